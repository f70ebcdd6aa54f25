// One container's life on the engine: create → start → wait → remove, with stdout/stderr landing
// in files (capture.ts says how) and the container removed whatever happens.
import { setTimeout as delay } from "node:timers/promises";
import { runtimeError } from "./runtime-error.ts";
import { checkImageRef } from "./image-ref.ts";
import type { ContainerExit, Logger } from "../../core/types.ts";
import { apiMessage, containerPath, type DockerApi, GIVE_UP_MS, status } from "./docker-api.ts";
import { fileCapture, type Settled } from "./capture.ts";
import { containerConfig } from "./container-config.ts";
import { shipCapture, type ShipMemory } from "./ship-capture.ts";
import { streamCapture } from "./capture-stream.ts";
import type { DockerRunOptions } from "./types.ts";

export interface Life extends ShipMemory {
  api: DockerApi;
  log: Logger;
  orphans: Set<string>;
  lostAfterMs: number;
}

/** Run in "files" mode unless told otherwise; fall back to "stream" (once per image and user) when
 * the wrapper cannot run. On a remote engine, "ship" (ship-capture.ts), run again once when it
 * says nothing ran: copying every dir in, or without its wrapper. */
export async function runContainer(
  life: Life,
  o: DockerRunOptions,
  signal: AbortSignal,
): Promise<ContainerExit> {
  checkImageRef(o.image); // here, so that no caller can put an unchecked name into the create body
  const key = `${o.image}\0${o.user ?? ""}`;
  const ship = o.ship ? "ship" : undefined;
  if (!ship && ((o.capture ?? "files") === "stream" || life.streamOnly.has(key))) {
    return (await runOnce(life, o, signal, "stream")) as ContainerExit;
  }
  const t0 = performance.now();
  const first = await runOnce(life, o, signal, ship ?? "files");
  if (first !== "wrapper-failed" && first !== "rerun") return first;
  if (first === "wrapper-failed") {
    life.streamOnly.add(key);
    life.log.info(
      `image ${o.image}${
        o.user ? ` as user ${o.user}` : ""
      }: the output wrapper cannot run there (no /bin/sh, or the user may not open its files); ${
        ship ? "copying every dir back" : "streaming output through the engine instead"
      }`,
    );
  }
  const left = o.timeoutMs > 0 ? Math.max(1, o.timeoutMs - (performance.now() - t0)) : o.timeoutMs;
  return (await runOnce(
    life,
    { ...o, timeoutMs: left },
    signal,
    ship ?? "stream",
  )) as ContainerExit;
}

async function runOnce(
  life: Life,
  o: DockerRunOptions,
  signal: AbortSignal,
  mode: "files" | "stream" | "ship",
): Promise<ContainerExit | Settled> {
  const { api, log } = life;
  const t0 = performance.now();
  const done = (
    exitCode: number,
    containerId: string,
    timedOut: boolean,
    cancelled: boolean,
  ): ContainerExit => ({
    exitCode,
    timedOut,
    cancelled,
    containerId,
    durationMs: Math.round(performance.now() - t0),
  });
  if (signal.aborted) return done(-1, "", false, true);
  await api.version(); // fail with DOCKER_UNAVAILABLE before any file is touched
  for (const old of life.orphans) {
    life.orphans.delete(old);
    void removeQuietly(life, old);
  }

  let id = "";
  let timedOut = false;
  let cancelled = false;
  let started = false;
  let broken = false; // writing the output failed
  let killing = false;
  const unreachable = new AbortController(); // a kill could not reach the engine: stop waiting
  const kill = () => {
    if (!id || !started || killing) return; // not running yet: the checks around start handle it
    killing = true;
    api.call({
      method: "POST",
      path: containerPath(id, "/kill"),
      ok: [204, 404, 409],
      timeoutMs: GIVE_UP_MS,
    }).catch((e) => {
      log.warn(`kill ${id.slice(0, 12)} failed: ${apiMessage(e)}`);
      if (status(e) === undefined) unreachable.abort();
    });
  };
  const onBroken = () => ((broken = true), kill());
  const capture = mode === "files"
    ? await fileCapture(api, o)
    : o.ship && mode === "ship"
    ? await shipCapture(api, log, { ...o, ship: o.ship }, life, onBroken)
    : await streamCapture(api, log, o, onBroken);
  const onAbort = () => ((cancelled = true), kill());
  signal.addEventListener("abort", onAbort, { once: true });
  if (signal.aborted) onAbort(); // it came during the engine calls above: no listener saw it
  const limit = Number.isFinite(o.timeoutMs) && o.timeoutMs > 0 ? o.timeoutMs : 0;
  const timer = limit ? setTimeout(() => ((timedOut = !cancelled), kill()), limit) : undefined;
  try {
    id = await create(api, o, containerConfig(o, capture)); // a refusal here still closes the capture
    if (cancelled) return done(-1, id, false, true);
    await capture.beforeStart(id);
    if (cancelled) return done(-1, id, false, true);
    if (await start(api, id, o) === "gone") return done(-1, id, timedOut, cancelled);
    started = true;
    if (cancelled || timedOut || broken) kill(); // it happened while start was in flight
    const exitCode = await waitExit(life, id, unreachable.signal);
    const settled = await capture.afterExit(id, exitCode, cancelled || timedOut);
    if (settled && !cancelled && !timedOut) return settled;
    return done(exitCode, id, timedOut, cancelled);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
    await capture.close();
    if (id) await removeQuietly(life, id);
  }
}

async function create(
  api: DockerApi,
  o: DockerRunOptions,
  config: Record<string, unknown>,
): Promise<string> {
  try {
    const r = await api.call<{ Id: string }>({
      method: "POST",
      path: "/containers/create",
      query: { name: o.name },
      body: config,
      ok: [201],
    });
    return r.Id;
  } catch (e) {
    const code = status(e);
    if (code === undefined) throw e;
    const msg = apiMessage(e);
    if (code === 404 && /network/i.test(msg) && !/image/i.test(msg)) throw noNetwork(o, msg); // newer engines check at create
    if (code === 404) {
      throw runtimeError(
        "image",
        `Cannot run image "${o.image}": it is not on the Docker engine at ${api.endpoint} (${msg}); build it or pull it (docker pull ${o.image})`,
      );
    }
    if (code === 409) {
      throw runtimeError(
        "conflict",
        `Cannot create container "${o.name}": ${msg}; choose another name or remove the old container`,
      );
    }
    throw runtimeError(
      "invalid",
      `Cannot create a container from image "${o.image}": ${msg}; check the sandbox's mounts, limits and options`,
    );
  }
}

/** Start the container; "gone" when someone removed it between create and start (a cancel, the
 * shutdown's sweep): the run then ends like one whose container vanished while it ran. */
async function start(api: DockerApi, id: string, o: DockerRunOptions): Promise<void | "gone"> {
  try {
    await api.call({ method: "POST", path: containerPath(id, "/start"), ok: [204, 304] });
  } catch (e) {
    const code = status(e);
    // The engine may have started it before the answer was lost: removed once the engine is back.
    if (code === undefined) {
      throw runtimeError(
        "unavailable",
        `Cannot start container ${
          id.slice(0, 12)
        }: lost the Docker engine at ${api.endpoint} while starting the agent; its container will be removed when the engine is back; check dockerd, then run the agent again`,
      );
    }
    const msg = apiMessage(e);
    if (
      /marked for removal|removal of container .* is already in progress|no such container/i.test(
        msg,
      )
    ) {
      return "gone";
    }
    if (/device driver "nvidia"/i.test(msg)) {
      throw runtimeError(
        "invalid",
        `Cannot start a container with gpu enabled: the Docker engine at ${api.endpoint} has no NVIDIA GPU support (${msg}); set gpu to false or install the NVIDIA Container Toolkit on the host`,
      );
    }
    // A swarm-mode engine says it with HTTP 500: "Could not attach to network …: … NotFound".
    if ((code === 404 || /NotFound/.test(msg)) && /network/i.test(msg)) throw noNetwork(o, msg);
    throw runtimeError(
      "start",
      `Cannot start a container from image "${o.image}": ${msg}; check the command, mounts and limits`,
    );
  }
}

const noNetwork = (o: DockerRunOptions, msg: string) =>
  runtimeError(
    "invalid",
    `Cannot start a container on network "${o.network}": ${msg}; create it (docker network create ${o.network}) or use network true/false`,
  );

/** POST /wait is a long poll. When its connection breaks, ask the container's state (with backoff)
 * until it has exited or /wait holds again; give up when the engine stays unreachable for
 * lostAfterMs, or at once when a kill could not reach it (cancel and deadlines must not hang). */
async function waitExit(life: Life, id: string, unreachable: AbortSignal): Promise<number> {
  const { api } = life;
  let lostSince = 0;
  for (let pause = 100;; pause = Math.min(pause * 2, 2000)) {
    try {
      const r = await api.call<{ StatusCode: number }>({
        method: "POST",
        path: containerPath(id, "/wait"),
        ok: [200],
        timeoutMs: 0,
        signal: unreachable,
      });
      return r.StatusCode;
    } catch (e) {
      if (status(e) === 404) return -1;
      if (status(e) !== undefined) throw e;
    }
    const st = await api.call<{ State: { Running: boolean; ExitCode: number } }>({
      method: "GET",
      path: containerPath(id, "/json"),
      ok: [200],
      timeoutMs: GIVE_UP_MS,
    })
      .catch((e) => (status(e) === 404 ? { State: { Running: false, ExitCode: -1 } } : null));
    if (st && !st.State.Running) return st.State.ExitCode;
    // A kill failed: stop waiting; the forced removal that follows stops the container if it can.
    if (st && unreachable.aborted) return -1;
    lostSince = st ? 0 : lostSince || Date.now();
    if (lostSince && (unreachable.aborted || Date.now() - lostSince >= life.lostAfterMs)) {
      throw runtimeError(
        "unavailable",
        `Cannot follow container ${
          id.slice(0, 12)
        }: lost the Docker engine at ${api.endpoint} while the agent ran; its container will be removed when the engine is back; check dockerd, then run the agent again`,
      );
    }
    await delay(pause, undefined, { signal: unreachable }).catch(() => {});
  }
}

/** Remove within a few seconds or leave it to the next run (orphans) or the start-up reaper. */
async function removeQuietly(life: Life, id: string): Promise<void> {
  try {
    await life.api.call({
      method: "DELETE",
      path: containerPath(id),
      query: { force: 1, v: 1 },
      ok: [204, 404],
      timeoutMs: GIVE_UP_MS,
    });
  } catch (e) {
    // 409 "removal already in progress" is fine.
    if (status(e) === 409) return;
    life.log.warn(`cannot remove container ${id.slice(0, 12)}: ${apiMessage(e)}`);
    if (status(e) === undefined) life.orphans.add(id);
  }
}
