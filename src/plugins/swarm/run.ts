// One agent's life on the swarm: secret and config → service → its one task ends → logs to the
// files → service, secret and config removed, whatever happens. The task's end is polled (Swarm's
// log follow never ends for a finished job and misses tasks scheduled after it was opened); the
// logs are then read once, demultiplexed into the files with backpressure.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import type { ContainerExit, Logger } from "../../core/types.ts";
import { apiMessage, type DockerApi, GIVE_UP_MS, status } from "../docker/docker-api.ts";
import { runtimeError } from "../docker/runtime-error.ts";
import type { DockerRunOptions } from "../docker/types.ts";
import { envFile, MAX_SWARM_DATA, serviceSpec } from "./service.ts";
import type { Placement } from "./placement.ts";
import { copyLogs, followLogs } from "./logs.ts";
import { listObjects, removeObject } from "./objects.ts";
import { homeSecrets, shipFromTask, type ShipTask, shipToTask } from "./ship.ts";

const DONE = new Set(["complete", "failed", "shutdown", "rejected", "orphaned", "remove"]);

interface Task extends ShipTask {
  Status?: {
    State?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
  };
}

export async function runService(
  api: DockerApi,
  log: Logger,
  o: DockerRunOptions,
  argv: string[],
  where: Placement,
  engineOf: (nodeId: string, agent: string) => Promise<DockerApi>,
  signal: AbortSignal,
): Promise<ContainerExit> {
  const t0 = performance.now();
  const exit = (exitCode: number, id: string, timedOut = false, cancelled = false) => ({
    exitCode,
    timedOut,
    cancelled,
    containerId: id,
    durationMs: Math.round(performance.now() - t0),
  });
  if (signal.aborted) return exit(-1, "", false, true);
  const stdin = o.stdinFile !== undefined ? await readFile(o.stdinFile) : undefined;
  const made: string[] = []; // "kind/id" of everything created, removed in `finally`
  const base = swarmName(o.name ?? "agent");
  const create = async (kind: "secrets" | "configs", suffix: string, data: Buffer) => {
    if (data.length > MAX_SWARM_DATA) {
      throw runtimeError(
        "invalid",
        `Cannot run "${o.name}" on the swarm: its ${suffix} is ${data.length} bytes, over Swarm's ${MAX_SWARM_DATA}; shorten it`,
      );
    }
    const name = `${base.slice(0, 40)}-${suffix}-${Math.random().toString(36).slice(2, 8)}`;
    const r = await api.call<{ ID: string }>({
      method: "POST",
      path: `/${kind}/create`,
      body: { Name: name, Labels: o.labels, Data: data.toString("base64") },
      ok: [201],
    });
    made.push(`${kind.slice(0, -1)}/${r.ID}`);
    return { id: r.ID, name };
  };
  let id = "";
  let node = api; // the engine of the node the task runs on, when the server reaches it
  let task: Task | null = null;
  let live: { stop(): Promise<void> } | undefined;
  let sent: string[] = []; // host paths shipped in (remote files)
  let timedOut = false;
  let cancelled = false;
  const stop = new AbortController();
  const onAbort = () => ((cancelled = true), stop.abort());
  signal.addEventListener("abort", onAbort, { once: true });
  const limit = Number.isFinite(o.timeoutMs) && o.timeoutMs > 0 ? o.timeoutMs : 0;
  const timer = limit ? setTimeout(() => ((timedOut = !cancelled), stop.abort()), limit) : 0;
  try {
    const secret = await create("secrets", "env", Buffer.from(envFile(o.env)));
    const config = stdin ? await create("configs", "stdin", stdin) : undefined;
    const home = await homeSecrets(o, MAX_SWARM_DATA);
    const files = [];
    for (const [i, f] of home.entries()) {
      files.push({ ...(await create("secrets", `home${i}`, f.data)), target: f.target });
    }
    // Swarm services have no network "none": an agent without network gets an internal overlay
    // of its own, which reaches nothing and no other agent.
    if (o.network === "none") o = { ...o, network: await isolated(api, o, made) };
    // A task the swarm rejects before its container exists (a node that "no longer meets
    // constraints" while a fresh overlay settles) ran nothing: a new service is safe to try.
    for (let attempt = 0; attempt < 4; attempt++) {
      if (attempt) await delay(300 * attempt, undefined, { signal: stop.signal }).catch(() => {});
      if (stop.signal.aborted) break;
      const name = attempt ? `${base}-${attempt}` : base;
      id = await createService(
        api,
        serviceSpec({ ...o, name }, argv, { secret, config, files }, where),
      );
      made.unshift(`service/${id}`); // removed first: its task holds the secret and the config
      const up = await waitTask(api, id, stop.signal, (t) => !!containerOf(t));
      if (up && !ended(up)) {
        if (o.ship) {
          node = await engineOf(up.NodeID ?? "", o.name ?? id);
          sent = await shipToTask(node, up, o, new Set(home.map((f) => f.host)));
        }
        live = await followLogs(api, id, o); // for progress; the final read below is complete
      }
      task = await waitTask(api, id, stop.signal);
      const st = task?.Status;
      if (st?.State !== "rejected" || st.ContainerStatus?.ContainerID) break;
      log.info(`${name}: the swarm rejected its task (${st.Err}); trying again`);
    }
    await live?.stop();
    if (cancelled) return exit(-1, id, false, true);
    await copyLogs(api, id, o, timedOut ? GIVE_UP_MS : 0);
    if (timedOut) return exit(-1, id, true);
    if (task && containerOf(task)) await shipFromTask(node, task, o, sent);
    const st = task!.Status ?? {};
    if (st.State === "rejected") {
      throw runtimeError(
        "start",
        `Cannot start "${o.name}" on the swarm: ${
          st.Err ?? "the task was rejected"
        }; check the image exists on every node and the mounts exist there`,
      );
    }
    return exit(st.ContainerStatus?.ExitCode ?? -1, id);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
    await live?.stop();
    const services = made.filter((m) => m.startsWith("service/"));
    const gone = (m: string, on = api) => removeObject(on, m).catch((e) => log.warn(apiMessage(e)));
    for (const m of services) await gone(m);
    // Only a task stopped early may still get its container after the sweep (see below).
    const early = !task || !ended(task);
    if (services.length) await removeTaskContainers(node, o.labels, (m) => gone(m, node), early);
    for (const m of made.filter((m) => !m.startsWith("service/"))) await gone(m);
  }
}

/** Remove the agent's task containers on its node's engine now and a few times over the next
 * seconds: an engine seen here (20.10) neither stops nor removes the containers of a removed
 * service, and starts one whose task was being prepared when its service went. On a node the
 * server does not reach they are the swarm's to remove. */
async function removeTaskContainers(
  api: DockerApi,
  labels: Record<string, string>,
  gone: (ref: string) => Promise<void>,
  again: boolean,
): Promise<void> {
  const mine = ["swarm-mcp.run", "swarm-mcp.agent"].map((k) => `${k}=${labels[k]}`);
  const sweep = async () => {
    for (const c of await listObjects(api, mine, ["container"]).catch(() => [])) await gone(c.id);
  };
  await sweep();
  if (again) {
    for (const ms of [1000, 3000, 10_000]) {
      setTimeout(() => void sweep(), ms).unref?.();
    }
  }
}

async function createService(api: DockerApi, spec: Record<string, unknown>): Promise<string> {
  try {
    return (await api.call<{ ID: string }>({
      method: "POST",
      path: "/services/create",
      body: spec,
      ok: [201],
    })).ID;
  } catch (e) {
    if (status(e) === undefined) throw e;
    throw runtimeError(
      status(e) === 409 ? "conflict" : "invalid",
      `Cannot create service "${spec.Name}" on the swarm at ${api.endpoint}: ${
        apiMessage(e)
      }; check the sandbox's placement, network and limits`,
    );
  }
}

/** A name Swarm accepts (letters, digits, "-"; services at most 63 characters) that still says
 * whose it is: agent ids may hold "." and "_" and run to 64 characters. */
function swarmName(name: string): string {
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 6);
  return `${name.replace(/[^A-Za-z0-9-]/g, "-").slice(0, 48).replace(/-+$/, "")}-${hash}`;
}

async function isolated(api: DockerApi, o: DockerRunOptions, made: string[]): Promise<string> {
  const name = `${swarmName(o.name ?? "agent")}-none`;
  const r = await api.call<{ Id: string }>({
    method: "POST",
    path: "/networks/create",
    body: { Name: name, Driver: "overlay", Internal: true, Labels: o.labels },
    ok: [201],
  });
  made.push(`network/${r.Id}`);
  return name;
}

const ended = (t: Task) => DONE.has(t.Status?.State ?? "");
const containerOf = (t: Task) => t.Status?.ContainerStatus?.ContainerID;

/** Poll the service's task until it ends or `ready` holds (null when `stop` fired first), backing
 * off to 1 s. */
async function waitTask(
  api: DockerApi,
  id: string,
  stop: AbortSignal,
  ready: (t: Task) => boolean = () => false,
): Promise<Task | null> {
  const filters = JSON.stringify({ service: [id] });
  for (let pause = 100; !stop.aborted; pause = Math.min(pause * 1.5, 1000)) {
    const tasks = await api.call<Task[]>({
      method: "GET",
      path: "/tasks",
      query: { filters },
      ok: [200],
    });
    const found = tasks.find((t) => ended(t) || ready(t));
    if (found) return found;
    await delay(pause, undefined, { signal: stop }).catch(() => {});
  }
  return null;
}
