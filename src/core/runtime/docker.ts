// ContainerRuntime over docker-modem on the Docker socket (or DOCKER_HOST). One container per
// run: create → attach (hijacked before start, so no output is missed) → start → wait → remove,
// with stdout/stderr streamed to files and the container removed whatever happens.
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import type { Duplex, Readable } from "node:stream";
import { ToolError } from "../errors.ts";
import type { ContainerExit, ContainerRunOptions, ContainerRuntime, Logger } from "../types.ts";
import { apiMessage, createDockerApi, type DockerApi, status } from "./docker-api.ts";
import { pumpDemuxed } from "./demux.ts";

export { parseDockerHost } from "./docker-api.ts";

/** The Docker runtime offers a little more than the contract: what image building needs. */
export interface DockerRuntime extends ContainerRuntime {
  /** The image's labels, or null when the image does not exist. */
  imageLabels(tag: string): Promise<Record<string, string> | null>;
  removeImage(tag: string): Promise<void>;
}

export function createDockerRuntime(opts: { host?: string; log: Logger }): DockerRuntime {
  const api = createDockerApi(opts.host);
  const { log } = opts;

  const imageLabels = async (tag: string): Promise<Record<string, string> | null> => {
    try {
      const img = await api.call<{ Config?: { Labels?: Record<string, string> | null } }>({ method: "GET", path: `/images/${encodeURI(tag)}/json`, ok: [200] });
      return img.Config?.Labels ?? {};
    } catch (e) {
      if (status(e) === 404) return null;
      throw e;
    }
  };

  const remove = async (id: string): Promise<void> => {
    if (!/^[A-Za-z0-9_.-]+$/.test(id)) throw new ToolError("INVALID_INPUT", `Cannot remove container "${id}": not a container id or name`);
    await api.call({ method: "DELETE", path: `/containers/${id}`, query: { force: 1, v: 1 }, ok: [204, 404, 409] });
  };

  const list = (filters: Record<string, string[]>) =>
    api.call<{ Id: string; Labels: Record<string, string> | null }[]>({ method: "GET", path: "/containers/json", query: { all: 1, filters: JSON.stringify(filters) }, ok: [200] });

  return {
    endpoint: api.endpoint,
    async ping() {
      await api.version();
    },
    run: (o, signal) => runContainer(api, log, o, signal),
    async imageExists(tag) {
      return (await imageLabels(tag)) !== null;
    },
    imageLabels,
    async removeImage(tag) {
      await api.call({ method: "DELETE", path: `/images/${encodeURI(tag)}`, query: { force: 1 }, ok: [200, 404, 409] });
    },
    buildImage: (context, tag, buildArgs, onLine) => buildImage(api, context, tag, buildArgs, onLine),
    async removeByLabels(labels) {
      // No labels would match every container on the engine, including other people's.
      if (Object.keys(labels).length === 0) throw new ToolError("INVALID_INPUT", "Cannot remove containers by labels: no labels given; name at least one label");
      const found = await list({ label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) });
      const done = await Promise.all(found.map((c) => remove(c.Id).then(() => 1, (e) => (log.warn(`cannot remove container ${c.Id.slice(0, 12)}: ${apiMessage(e)}`), 0))));
      return done.reduce<number>((a, b) => a + b, 0);
    },
    async listOwned() {
      return (await list({ label: ["swarm-mcp.owner"] })).map((c) => ({ id: c.Id, labels: c.Labels ?? {} }));
    },
    remove,
  };
}

async function runContainer(api: DockerApi, log: Logger, o: ContainerRunOptions, signal: AbortSignal): Promise<ContainerExit> {
  const t0 = performance.now();
  const done = (exitCode: number, containerId: string, timedOut: boolean, cancelled: boolean): ContainerExit =>
    ({ exitCode, timedOut, cancelled, containerId, durationMs: Math.round(performance.now() - t0) });
  if (signal.aborted) return done(-1, "", false, true);
  const config = containerConfig(o);
  await api.version(); // fail with DOCKER_UNAVAILABLE before any file is touched
  const out = await openOut(o.stdoutFile);
  const err = await openOut(o.stderrFile).catch(async (e) => (await closeOut(out), Promise.reject(e)));

  let id = "";
  let sock: Duplex | undefined;
  let timedOut = false;
  let cancelled = false;
  let started = false;
  let broken = false; // writing the output failed
  let killing = false;
  const kill = () => {
    if (!id || !started || killing) return; // not running yet: the checks around start handle it
    killing = true;
    api.call({ method: "POST", path: `/containers/${id}/kill`, ok: [204, 404, 409] }).catch((e) => log.warn(`kill ${id.slice(0, 12)} failed: ${apiMessage(e)}`));
  };
  const onAbort = () => ((cancelled = true), kill());
  signal.addEventListener("abort", onAbort, { once: true });
  const limit = Number.isFinite(o.timeoutMs) && o.timeoutMs > 0 ? o.timeoutMs : 0;
  const timer = limit ? setTimeout(() => ((timedOut = !cancelled), kill()), limit) : undefined;
  try {
    id = await create(api, o, config);
    if (cancelled) return done(-1, id, false, true);
    sock = await api.hijack({ method: "POST", path: `/containers/${id}/attach`, query: { stream: 1, stdin: o.stdin !== undefined ? 1 : 0, stdout: 1, stderr: 1 }, ok: [101, 200] });
    const pumping = pumpDemuxed(sock as Readable, out, err);
    // A failed write (disk full) stops reading; kill rather than let the container block on a full pipe.
    pumping.catch(() => ((broken = true), kill()));
    if (o.stdin !== undefined) {
      // Docker keeps what arrives before start; the half-close becomes EOF on the container's stdin.
      if (o.stdin.length) sock.write(o.stdin);
      sock.end();
    }
    if (cancelled) return done(-1, id, false, true);
    await start(api, id, o);
    started = true;
    if (cancelled || timedOut || broken) kill(); // it happened while start was in flight
    const exitCode = await waitExit(api, id);
    // The attach stream ends once the engine has copied the last bytes; wait for it, within reason.
    const grace = cancelled || timedOut ? 1000 : 10_000;
    const ended = await Promise.race([pumping.then(() => true), sleep(grace).then(() => false)]);
    if (!ended) log.warn(`container ${id.slice(0, 12)}: output stream still open ${grace} ms after exit; closing it`);
    sock.destroy();
    // Flushed and closed before we answer: callers read these files next.
    await Promise.all([closeOut(out), closeOut(err)]);
    const failed = out.errored ?? err.errored;
    if (failed) throw failed;
    return done(exitCode, id, timedOut, cancelled);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
    sock?.destroy();
    await Promise.all([closeOut(out), closeOut(err)]);
    if (id) await removeQuietly(api, id, log);
  }
}

function containerConfig(o: ContainerRunOptions): Record<string, unknown> {
  const env = Object.entries(o.env).map(([k, v]) => {
    if (!/^[^=\0]+$/.test(k)) throw new ToolError("INVALID_INPUT", `Cannot pass environment variable "${k}": a name must be non-empty without "=" or NUL; rename it`);
    return `${k}=${v}`;
  });
  const binds = o.binds.map((b) => {
    if (b.host.includes(":") || b.container.includes(":")) {
      throw new ToolError("INVALID_INPUT", `Cannot mount "${b.host}" at "${b.container}": paths containing ":" are not supported by Docker binds; rename the directory`);
    }
    return `${b.host}:${b.container}:${b.readonly ? "ro" : "rw"}`;
  });
  const stdin = o.stdin !== undefined;
  return {
    Image: o.image,
    Cmd: o.cmd,
    ...(o.entrypoint ? { Entrypoint: o.entrypoint } : {}),
    Env: env,
    ...(o.user ? { User: o.user } : {}),
    ...(o.workdir ? { WorkingDir: o.workdir } : {}),
    Labels: o.labels,
    Tty: false,
    AttachStdin: stdin,
    OpenStdin: stdin,
    StdinOnce: stdin,
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: {
      Init: true,
      SecurityOpt: ["no-new-privileges"],
      Binds: binds,
      NetworkMode: o.network,
      ...(o.memoryBytes ? { Memory: o.memoryBytes } : {}),
      ...(o.nanoCpus ? { NanoCpus: o.nanoCpus } : {}),
      ...(o.gpu ? { DeviceRequests: [{ Driver: "nvidia", Count: -1, Capabilities: [["gpu"]] }] } : {}),
    },
  };
}

async function create(api: DockerApi, o: ContainerRunOptions, config: Record<string, unknown>): Promise<string> {
  try {
    const r = await api.call<{ Id: string }>({ method: "POST", path: "/containers/create", query: { name: o.name }, body: config, ok: [201] });
    return r.Id;
  } catch (e) {
    const code = status(e);
    if (code === undefined) throw e;
    const msg = apiMessage(e);
    if (code === 404 && /network/i.test(msg) && !/image/i.test(msg)) throw noNetwork(o, msg); // newer engines check at create
    if (code === 404) throw new ToolError("IMAGE_UNAVAILABLE", `Cannot run image "${o.image}": it is not on the Docker engine at ${api.endpoint} (${msg}); build it or pull it (docker pull ${o.image})`, { image: o.image });
    if (code === 409) throw new ToolError("CONFLICT", `Cannot create container "${o.name}": ${msg}; choose another name or remove the old container`);
    throw new ToolError("INVALID_INPUT", `Cannot create a container from image "${o.image}": ${msg}; check the sandbox's mounts, limits and options`);
  }
}

async function start(api: DockerApi, id: string, o: ContainerRunOptions): Promise<void> {
  try {
    await api.call({ method: "POST", path: `/containers/${id}/start`, ok: [204, 304] });
  } catch (e) {
    const code = status(e);
    if (code === undefined) throw e;
    const msg = apiMessage(e);
    if (/device driver "nvidia"/i.test(msg)) {
      throw new ToolError("INVALID_INPUT", `Cannot start a container with gpu enabled: the Docker engine at ${api.endpoint} has no NVIDIA GPU support (${msg}); set gpu to false or install the NVIDIA Container Toolkit on the host`);
    }
    if (code === 404 && /network/i.test(msg)) throw noNetwork(o, msg);
    throw new ToolError("AGENT_FAILED", `Cannot start a container from image "${o.image}": ${msg}; check the command, mounts and limits`);
  }
}

const noNetwork = (o: ContainerRunOptions, msg: string) =>
  new ToolError("INVALID_INPUT", `Cannot start a container on network "${o.network}": ${msg}; create it (docker network create ${o.network}) or use network true/false`);

/** POST /wait is a long poll; if the connection breaks (not the engine), ask the container's state. */
async function waitExit(api: DockerApi, id: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      const r = await api.call<{ StatusCode: number }>({ method: "POST", path: `/containers/${id}/wait`, ok: [200] });
      return r.StatusCode;
    } catch (e) {
      if (status(e) === 404) return -1;
      const st = await api.call<{ State: { Running: boolean; ExitCode: number } }>({ method: "GET", path: `/containers/${id}/json`, ok: [200] }).catch(() => null);
      if (st && !st.State.Running) return st.State.ExitCode;
      if (attempt >= 5 && !st) throw e;
      await sleep(200);
    }
  }
}

async function removeQuietly(api: DockerApi, id: string, log: Logger): Promise<void> {
  try {
    await api.call({ method: "DELETE", path: `/containers/${id}`, query: { force: 1, v: 1 }, ok: [204, 404] });
  } catch (e) {
    // 409 "removal already in progress" is fine; anything else is left for the start-up reaper.
    if (status(e) !== 409) log.warn(`cannot remove container ${id.slice(0, 12)}: ${apiMessage(e)}`);
  }
}

async function buildImage(api: DockerApi, context: Uint8Array, tag: string, buildArgs: Record<string, string>, onLine: (line: string) => void): Promise<void> {
  const tail: string[] = [];
  let error: string | undefined;
  const note = (line: string) => {
    const l = line.replace(/\s+$/, "");
    if (!l) return;
    tail.push(l);
    if (tail.length > 20) tail.shift();
    onLine(l);
  };
  const fail = (why: string): never => {
    throw new ToolError("IMAGE_UNAVAILABLE", `Cannot build image "${tag}": ${why}; last build output:\n${tail.join("\n")}`, { image: tag });
  };
  let res: Readable;
  try {
    res = await api.stream({ method: "POST", path: "/build", query: { t: tag, buildargs: JSON.stringify(buildArgs), rm: 1, forcerm: 1 }, file: context, ok: [200] });
  } catch (e) {
    if (status(e) === undefined) throw e;
    return fail(apiMessage(e));
  }
  let buf = "";
  const handle = (line: string) => {
    if (!line.trim()) return;
    let msg: { stream?: string; status?: string; error?: string; errorDetail?: { message?: string } };
    try {
      msg = JSON.parse(line);
    } catch {
      return note(line);
    }
    if (msg.stream) for (const l of msg.stream.split("\n")) note(l);
    else if (msg.status) note(msg.status);
    if (msg.error || msg.errorDetail) error = msg.errorDetail?.message || msg.error;
  };
  res.setEncoding("utf8");
  for await (const chunk of res) {
    buf += chunk as string;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      handle(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  }
  handle(buf);
  if (error) fail(error);
}

async function openOut(path: string): Promise<WriteStream> {
  const ws = createWriteStream(path, { mode: 0o600 });
  await once(ws, "open");
  // Errors are read from ws.errored (by the pump and after close); never an unhandled event.
  ws.on("error", () => {});
  return ws;
}

async function closeOut(ws: WriteStream): Promise<void> {
  if (ws.closed) return;
  const closed = once(ws, "close").catch(() => undefined);
  ws.end();
  await closed;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.());
