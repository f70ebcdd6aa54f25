// An engine connection that drops while agents run: through a proxy the test owns (a unix socket
// forwarding to the real engine, which the test can cut and resume), a running agent's run ends
// within a bound, cancel and shutdown return within a bound, the pool slot is freed, and the
// container left behind is removed once the engine is back (next run, or the next server's reaper).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createDockerRuntime } from "../../src/plugins/docker/docker.ts";
import { isToolError } from "../../src/core/errors.ts";
import { fromRuntime, isCode } from "../helpers/tool-error.ts";
import type { Logger } from "../../src/core/types.ts";
import type { DockerRunOptions as ContainerRunOptions } from "../../src/plugins/docker/types.ts";
import {
  type EngineProxy,
  engineProxy,
  engineSocket,
  settled,
  type SourceServer,
  startSource,
  until,
} from "./engine-proxy.ts";

const exec = promisify(execFile);
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const real = engineSocket();
const down = real
  ? await createDockerRuntime({ host: `unix://${real}`, log: quiet }).ping().then(
    () => "",
    (e) => (e as Error).message,
  )
  : "DOCKER_HOST is not a unix socket";
const skip = down ? `no Docker engine to proxy (${down})` : false;
const TEST = `drop-${process.pid}-${Date.now().toString(36)}`;

/** Container ids carrying these labels (any state, or only running ones), asked of the real engine. */
async function containers(labels: Record<string, string>, runningOnly = false): Promise<string[]> {
  const f = [
    ...Object.entries(labels).flatMap(([k, v]) => ["--filter", `label=${k}=${v}`]),
    ...(runningOnly ? ["--filter", "status=running"] : []),
  ];
  const { stdout } = await exec("docker", ["ps", "-aq", ...f], {
    env: { ...process.env, DOCKER_HOST: `unix://${real}` },
  });
  return stdout.trim() ? stdout.trim().split("\n") : [];
}
const removeAll = async (labels: Record<string, string>) => {
  const ids = await containers(labels).catch(() => []);
  if (ids.length) {
    await exec("docker", ["rm", "-f", ...ids], {
      env: { ...process.env, DOCKER_HOST: `unix://${real}` },
    }).catch(() => {});
  }
};

describe("the runtime when the engine connection drops", { skip }, () => {
  let proxy: EngineProxy;
  let dir = "";
  before(async () => {
    proxy = await engineProxy(real!);
    dir = await mkdtemp(join(tmpdir(), "swarm-drop-"));
  });
  after(async () => {
    await proxy?.close();
    await removeAll({ "swarm-test.drop": TEST });
    await rm(dir, { recursive: true, force: true });
  });

  let n = 0;
  const start = (
    rt: ReturnType<typeof createDockerRuntime>,
    capture: "files" | "stream",
    signal: AbortSignal,
    cmd = ["sleep", "300"],
  ) => {
    const labels = { "swarm-test": "1", "swarm-test.drop": TEST, "swarm-test.case": String(++n) };
    const o: ContainerRunOptions = {
      image: "swarm-base:bookworm",
      cmd,
      env: {},
      binds: [],
      network: "none",
      labels,
      timeoutMs: 600_000,
      stdoutFile: join(dir, `out-${n}`),
      stderrFile: join(dir, `err-${n}`),
      capture,
    };
    return { run: rt.run(o, signal), labels };
  };
  const running = (labels: Record<string, string>) =>
    until("the container runs", async () => (await containers(labels, true)).length === 1, 30_000);

  for (const capture of ["files", "stream"] as const) {
    it(`engine fault drop (${capture}): the run fails within the bound and the next run removes the leftover`, async () => {
      const rt = createDockerRuntime({ host: proxy.host, log: quiet, lostAfterMs: 1500 });
      const { run, labels } = start(rt, capture, new AbortController().signal);
      await running(labels);
      proxy.cut();
      const r = await settled(run, 10_000);
      proxy.resume();
      assert.ok(!r.pending, "the run still waits 10 s after the engine went away");
      assert.ok(
        isCode("DOCKER_UNAVAILABLE")(r.error),
        `expected DOCKER_UNAVAILABLE, got ${r.error ?? JSON.stringify(r.value)}`,
      );
      assert.match(
        (r.error as Error).message,
        /lost the Docker engine .* while the agent ran; its container will be removed when the engine is back/,
      );
      assert.equal(
        (await containers(labels)).length,
        1,
        "the container outlived the drop (the engine could not be told)",
      );
      const next = start(rt, capture, new AbortController().signal, ["true"]);
      assert.equal((await next.run).exitCode, 0, "the next run works once the engine is back");
      await until(
        "the leftover is removed",
        async () => (await containers(labels)).length === 0,
        10_000,
      );
    });
  }

  it("engine fault drop: cancel returns within 3 s while the engine is unreachable", async () => {
    const rt = createDockerRuntime({ host: proxy.host, log: quiet, lostAfterMs: 120_000 });
    const ctl = new AbortController();
    const { run, labels } = start(rt, "files", ctl.signal);
    await running(labels);
    proxy.cut();
    await new Promise((r) => setTimeout(r, 300));
    ctl.abort();
    const r = await settled(run, 3000);
    proxy.resume();
    assert.ok(!r.pending, "cancel did not return within 3 s");
    assert.ok(
      r.value?.cancelled || (r.error && isToolError(fromRuntime(r.error))),
      `cancelled, or a clear error: ${r.error}`,
    );
    await removeAll(labels);
  });

  it("engine fault hang: cancel returns within 15 s when the engine accepts and never answers", async () => {
    const rt = createDockerRuntime({ host: proxy.host, log: quiet, lostAfterMs: 120_000 });
    const ctl = new AbortController();
    const { run, labels } = start(rt, "files", ctl.signal);
    await running(labels);
    proxy.cut("hang");
    ctl.abort();
    const r = await settled(run, 15_000);
    proxy.resume();
    assert.ok(!r.pending, "cancel did not return within 15 s");
    await removeAll(labels);
  });
});

describe("the server when the engine connection drops", { skip }, () => {
  let proxy: EngineProxy;
  let home = "";
  const HOST = `swarm-test-drop-${process.pid}`;
  const servers: SourceServer[] = [];
  const server = async () => {
    const s = await startSource({
      HOME: home,
      SWARM_DATA_DIR: join(home, "data"),
      SWARM_HOST_ID: HOST,
      DOCKER_HOST: proxy.host,
      SWARM_DOCKER_LOST_TIMEOUT: "2",
      SWARM_MAX_CONCURRENT: "1",
    });
    servers.push(s);
    return s;
  };
  const sleeper = {
    agent: "command",
    command: ["sleep", "300"],
    network: false,
    wait_s: 0,
    prompt: "sleep",
  };
  const ofRun = (run: string, runningOnly = false) =>
    containers({ "swarm-mcp.host": HOST, "swarm-mcp.run": run }, runningOnly);
  const sleeping = async (s: SourceServer) => {
    const started = await s.call("run", sleeper);
    assert.equal(started.status, "running", JSON.stringify(started));
    await until(
      "the agent's container runs",
      async () => (await ofRun(started.run_id, true)).length === 1,
      60_000,
    );
    return started.run_id as string;
  };

  before(async () => {
    proxy = await engineProxy(real!);
    home = await mkdtemp(join(tmpdir(), "swarm-drop-home-"));
  });
  after(async () => {
    proxy?.resume();
    for (const s of servers) await s.close().catch(() => {});
    await removeAll({ "swarm-mcp.host": HOST });
    await proxy?.close();
    await rm(home, { recursive: true, force: true });
  });

  it("engine fault drop: the run fails within a bound, its pool slot is freed, and its container goes once the engine is back", async () => {
    const s = await server();
    const run = await sleeping(s);
    proxy.cut();
    const t0 = Date.now();
    await until(
      "the run ends",
      async () => (await s.call("status", { run_id: run })).status !== "running",
      20_000,
    );
    proxy.resume();
    const st = await s.call("status", { run_id: run });
    assert.equal(st.status, "failed", JSON.stringify(st));
    assert.match(JSON.stringify(st), /lost the Docker engine/);
    assert.ok(Date.now() - t0 < 20_000);
    // SWARM_MAX_CONCURRENT=1: this agent can only start if the first one's slot was released.
    const second = await s.call("run", {
      agent: "command",
      command: ["true"],
      network: false,
      wait_s: 60,
      prompt: "true",
    });
    assert.equal(second.status, "ok", JSON.stringify(second));
    await until(
      "the leftover container is removed",
      async () => (await ofRun(run)).length === 0,
      15_000,
    );
  });

  it("engine fault drop: cancel returns within 10 s", async () => {
    const s = await server();
    const run = await sleeping(s);
    proxy.cut();
    const r = await settled(s.call("cancel", { run_id: run }), 10_000);
    proxy.resume();
    assert.ok(!r.pending, "cancel did not return within 10 s");
    assert.ok(!r.error, String(r.error));
  });

  it("engine fault drop: SIGTERM alone stops the server within 12 s while the engine is unreachable", async () => {
    const s = await server();
    const run = await sleeping(s);
    proxy.cut("drop");
    const t0 = Date.now();
    process.kill(s.pid, "SIGTERM");
    await until("the server exits by itself", () => Promise.resolve(!alive(s.pid)), 12_000);
    const ms = Date.now() - t0;
    assert.ok(ms < 12_000, `shutdown took ${ms} ms`);
    proxy.resume();
    await server();
    await until(
      "the next start reaps the leftover",
      async () => (await ofRun(run)).length === 0,
      20_000,
    );
  });

  for (const mode of ["drop", "hang"] as const) {
    it(`engine fault ${mode}: the server is gone within 15 s of losing its client, and the next start reaps the leftover once the engine is back`, async () => {
      const s = await server();
      const run = await sleeping(s);
      proxy.cut(mode);
      const closed = await settled(s.close(), 15_000);
      assert.ok(!closed.pending, "the client did not close within 15 s");
      await until("the server process exits", () => Promise.resolve(!alive(s.pid)), 15_000);
      assert.equal(
        (await ofRun(run)).length,
        1,
        "the container outlived the server (the engine was unreachable)",
      );
      proxy.resume();
      await server();
      await until(
        "the next start reaps the leftover",
        async () => (await ofRun(run)).length === 0,
        20_000,
      );
    });
  }
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
