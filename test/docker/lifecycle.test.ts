// Nothing leaks: the compiled binary's containers go away on SIGTERM, SIGINT and stdin EOF; a
// SIGKILLed instance's leftovers are reaped by the next start; containers it did not start
// (another live instance's, another host's, anyone else's) are never touched. Every server here runs
// under its own SWARM_HOST_ID, so the reapers of other servers on the same engine leave it alone.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config.ts";
import { createCore } from "../../src/core/core.ts";
import { builtins } from "../../src/plugins/_registry.ts";
import {
  type BinaryServer,
  binarySkip,
  startBinary,
  TEST_HOST_ID as HOST,
} from "../helpers/binary.ts";
import {
  agentImage,
  BASE_IMAGE,
  docker,
  dockerSkip,
  ownedContainers,
  uniqueName,
} from "../helpers/docker-env.ts";
import { until } from "../helpers/wait.ts";

const engineSkip = await dockerSkip();
const skip = binarySkip || engineSkip;
const sleeper = { agent: "command", command: ["sleep", "300"], network: false, wait_s: 0 };

/** Start a sleeping agent and wait until its container runs; returns the run id. */
async function sleeping(server: BinaryServer): Promise<string> {
  const started = await server.call("run", { ...sleeper, prompt: "sleep" });
  assert.equal(started.status, "running");
  // Found by this process's host label too: the server honours SWARM_HOST_ID.
  await until(
    "container start",
    async () =>
      (await ownedContainers({ "swarm-mcp.run": started.run_id, "swarm-mcp.host": HOST }))
        .length === 1,
    30000,
  );
  return started.run_id;
}

describe("container lifecycle of the server", { skip }, () => {
  let foreign = "";
  after(async () => {
    // On failure too: whatever this process's servers (and the foreign stand-in) left behind.
    const left = [
      ...await ownedContainers({ "swarm-mcp.host": HOST }),
      ...(foreign ? [foreign] : []),
    ];
    if (left.length) await docker("rm", "-f", ...left).catch(() => {});
  });
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal} stops the server's containers`, async () => {
      await agentImage();
      const server = await startBinary({});
      const run = await sleeping(server);
      process.kill(server.transport.pid!, signal);
      const ms = await until(
        "containers removed",
        async () => (await ownedContainers({ "swarm-mcp.run": run })).length === 0,
      );
      assert.ok(ms < 5000, `took ${ms} ms`);
      await server.close().catch(() => {});
    });
  }

  it("stdin EOF stops the server's containers", async () => {
    const server = await startBinary({});
    const run = await sleeping(server);
    await server.close(); // closes the server's stdin
    await until(
      "containers removed",
      async () => (await ownedContainers({ "swarm-mcp.run": run })).length === 0,
    );
  });

  it("cancel(run_id) removes the run's container within 2 s and keeps the run's record", async () => {
    const server = await startBinary({});
    const run = await sleeping(server);
    const t0 = Date.now();
    const res = await server.call("cancel", { run_id: run });
    assert.equal(res.status, "cancelled");
    const ms = await until(
      "container removed",
      async () => (await ownedContainers({ "swarm-mcp.run": run })).length === 0,
      2000,
    );
    assert.ok(Date.now() - t0 < 2000, `${ms} ms`);
    const status = await server.call("status", { run_id: run });
    assert.equal(status.status, "cancelled");
    await server.close();
  });

  it("the next start reaps a killed instance's containers and touches nothing else", async () => {
    foreign = await docker(
      "run",
      "-d",
      "--rm",
      "--label",
      "swarm-test=1",
      BASE_IMAGE,
      "sleep",
      "120",
    );
    const alive = await startBinary({});
    const aliveRun = await sleeping(alive);
    const dead = await startBinary({});
    const deadRun = await sleeping(dead);
    process.kill(dead.transport.pid!, "SIGKILL");
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(
      (await ownedContainers({ "swarm-mcp.run": deadRun })).length,
      1,
      "SIGKILL leaves the container behind",
    );
    const next = await startBinary({});
    await until(
      "leftover reaped",
      async () => (await ownedContainers({ "swarm-mcp.run": deadRun })).length === 0,
      15000,
    );
    assert.equal(
      (await ownedContainers({ "swarm-mcp.run": aliveRun })).length,
      1,
      "a live instance's container is untouched",
    );
    assert.match(
      await docker("inspect", "-f", "{{.State.Running}}", foreign),
      /true/,
      "a foreign container is untouched",
    );
    await docker("rm", "-f", foreign);
    await alive.close();
    await next.close();
    await until(
      "all removed",
      async () => (await ownedContainers({ "swarm-mcp.run": aliveRun })).length === 0,
    );
    await dead.close().catch(() => {});
  });
});

describe("reaper on a shared engine", { skip: engineSkip }, () => {
  it("removes a dead instance's container on this host and leaves another host's alone", async () => {
    const dir = await mkdtemp(join(tmpdir(), "swarm-reap-"));
    const other = uniqueName("swarm-test-otherhost");
    const leftover = (host: string) =>
      docker(
        "run",
        "-d",
        "--label",
        "swarm-test=1",
        "--label",
        "swarm-mcp.owner=0123456789ab",
        "--label",
        `swarm-mcp.host=${host}`,
        "--label",
        "swarm-mcp.pid=2147483646",
        BASE_IMAGE,
        "sleep",
        "120",
      );
    const ids: string[] = [];
    const handle = await createCore(
      loadConfig({
        HOME: dir,
        SWARM_DATA_DIR: join(dir, "data"),
        SWARM_HOST_ID: HOST,
        DOCKER_HOST: process.env.DOCKER_HOST,
      }, "test"),
      { ensureImage: async () => {} },
    );
    await handle.load({ plugins: [], base: process.cwd(), source: "test" }, builtins); // docker
    try {
      const here = await leftover(HOST);
      ids.push(here);
      const elsewhere = await leftover(other);
      ids.push(elsewhere);
      assert.equal(await handle.reap(), 1);
      assert.deepEqual(
        await ownedContainers({ "swarm-mcp.host": HOST }),
        [],
        "this host's dead leftover is removed",
      );
      assert.deepEqual(
        await ownedContainers({ "swarm-mcp.host": other }),
        [elsewhere.slice(0, 12)],
        "another host's container is untouched",
      );
    } finally {
      await handle.shutdown("test done");
      await docker("rm", "-f", ...ids).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    }
  });
});
