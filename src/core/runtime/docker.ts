// ContainerRuntime over docker-modem on the Docker socket (or DOCKER_HOST). One container per
// run: create → start → wait → remove, with stdout/stderr landing in files (capture.ts says how)
// and the container removed whatever happens.
import { ToolError } from "../errors.ts";
import type { ContainerExit, ContainerRunOptions, ContainerRuntime, Logger } from "../types.ts";
import { apiMessage, createDockerApi, type DockerApi, status } from "./docker-api.ts";
import { buildImage } from "./build.ts";
import { type Capture, fileCapture } from "./capture.ts";
import { streamCapture } from "./capture-stream.ts";
import { dockerNetworks } from "./networks.ts";

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
  const streamOnly = new Set<string>(); // image + user pairs where the output wrapper cannot run

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
    run: (o, signal) => runContainer(api, log, o, signal, streamOnly),
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
    ...dockerNetworks(api),
  };
}

/** Run in "files" mode unless told otherwise; fall back to "stream" (once per image and user) when the wrapper cannot run. */
async function runContainer(api: DockerApi, log: Logger, o: ContainerRunOptions, signal: AbortSignal, streamOnly: Set<string>): Promise<ContainerExit> {
  const key = `${o.image}\0${o.user ?? ""}`;
  if ((o.capture ?? "files") === "stream" || streamOnly.has(key)) return (await runOnce(api, log, o, signal, "stream")) as ContainerExit;
  const t0 = performance.now();
  const first = await runOnce(api, log, o, signal, "files");
  if (first !== "wrapper-failed") return first;
  streamOnly.add(key);
  log.info(`image ${o.image}${o.user ? ` as user ${o.user}` : ""}: the output wrapper cannot run there (no /bin/sh, or the user may not open its files); streaming output through the engine instead`);
  const left = o.timeoutMs > 0 ? Math.max(1, o.timeoutMs - (performance.now() - t0)) : o.timeoutMs;
  return (await runOnce(api, log, { ...o, timeoutMs: left }, signal, "stream")) as ContainerExit;
}

async function runOnce(api: DockerApi, log: Logger, o: ContainerRunOptions, signal: AbortSignal, mode: "files" | "stream"): Promise<ContainerExit | "wrapper-failed"> {
  const t0 = performance.now();
  const done = (exitCode: number, containerId: string, timedOut: boolean, cancelled: boolean): ContainerExit =>
    ({ exitCode, timedOut, cancelled, containerId, durationMs: Math.round(performance.now() - t0) });
  if (signal.aborted) return done(-1, "", false, true);
  await api.version(); // fail with DOCKER_UNAVAILABLE before any file is touched

  let id = "";
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
  const capture = mode === "files" ? await fileCapture(api, o) : await streamCapture(api, log, o, () => ((broken = true), kill()));
  const onAbort = () => ((cancelled = true), kill());
  signal.addEventListener("abort", onAbort, { once: true });
  const limit = Number.isFinite(o.timeoutMs) && o.timeoutMs > 0 ? o.timeoutMs : 0;
  const timer = limit ? setTimeout(() => ((timedOut = !cancelled), kill()), limit) : undefined;
  try {
    id = await create(api, o, containerConfig(o, capture)); // a refusal here still closes the capture
    if (cancelled) return done(-1, id, false, true);
    await capture.beforeStart(id);
    if (cancelled) return done(-1, id, false, true);
    await start(api, id, o);
    started = true;
    if (cancelled || timedOut || broken) kill(); // it happened while start was in flight
    const exitCode = await waitExit(api, id);
    const settled = await capture.afterExit(id, exitCode, cancelled || timedOut);
    if (settled === "wrapper-failed" && !cancelled && !timedOut) return settled;
    return done(exitCode, id, timedOut, cancelled);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
    await capture.close();
    if (id) await removeQuietly(api, id, log);
  }
}

function containerConfig(o: ContainerRunOptions, capture: Capture): Record<string, unknown> {
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
  return {
    Image: o.image,
    Cmd: o.cmd,
    ...(o.entrypoint ? { Entrypoint: o.entrypoint } : {}),
    Env: env,
    ...(o.user ? { User: o.user } : {}),
    ...(o.workdir ? { WorkingDir: o.workdir } : {}),
    Labels: o.labels,
    Tty: false,
    ...capture.config,
    HostConfig: {
      Init: true,
      SecurityOpt: ["no-new-privileges"],
      Binds: [...binds, ...capture.binds],
      NetworkMode: o.network,
      CapDrop: o.capDrop ?? ["ALL"],
      ...(o.pidsLimit ? { PidsLimit: o.pidsLimit } : {}),
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

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.());
