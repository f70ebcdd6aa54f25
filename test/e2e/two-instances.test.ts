// Two servers on one data dir (two Claude Code windows each start their own): each reports the
// other's live runs as running and can cancel them; a killed server's runs are finished and its
// containers reaped by the next start. Real binaries, real containers; counts are scoped to the
// run's own label.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BinaryServer, binarySkip, startBinary, TEST_HOST_ID } from "../helpers/binary.ts";
import { agentImage, dockerSkip, ownedContainers } from "../helpers/docker-env.ts";
import { until, within } from "../helpers/wait.ts";

const skip = binarySkip || (await dockerSkip());
const task = { agent: "command", command: ["sleep", "300"], network: false };
const sleeper = { ...task, wait_s: 0 };
const DEAD_PID = 4194305; // above Linux's largest pid_max: never a live process

describe("two servers on one data dir", { skip }, () => {
  const servers: BinaryServer[] = [];
  const dirs: string[] = [];
  const start = async (data: string) => {
    const s = await startBinary({ SWARM_DATA_DIR: data });
    servers.push(s);
    return s;
  };
  const dataDir = async () => {
    const d = await mkdtemp(join(tmpdir(), "swarm-shared-"));
    dirs.push(d);
    return join(d, "data");
  };
  after(async () => {
    for (const s of servers) await s.close().catch(() => {});
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  /** Start `n` sleeping agents on `server` and wait until their containers run. */
  async function sleeping(server: BinaryServer, tool: "run" | "par", n = 1): Promise<string> {
    const started = tool === "run"
      ? await server.call("run", { ...sleeper, prompt: "sleep" })
      : await server.call("par", {
        wait_s: 0,
        tasks: Array.from({ length: n }, (_, i) => ({ ...task, prompt: `sleep ${i}` })),
      });
    assert.equal(started.status, "running");
    await until(
      "containers start",
      async () => (await ownedContainers({ "swarm-mcp.run": started.run_id })).length === n,
      30000,
    );
    return started.run_id;
  }

  it("B reports A's live run as running with its owner, cancels it, and A agrees", async () => {
    await agentImage();
    const data = await dataDir();
    const a = await start(data);
    const b = await start(data);
    const run = await sleeping(a, "run");

    const seen = await b.call("status", { run_id: run });
    assert.equal(seen.status, "running", "another live server's run is not failed");
    assert.equal(seen.owner.pid, a.transport.pid);
    assert.equal(seen.owner.host, TEST_HOST_ID);
    const waited = await b.call("wait", { run_id: run, wait_s: 1 });
    assert.equal(waited.status, "running");
    assert.ok(
      (await b.call("runs", {})).runs.some((r: { run_id: string; status: string }) =>
        r.run_id === run && r.status === "running"
      ),
    );

    const t0 = Date.now();
    const cancelled = await within(
      b.call("cancel", { run_id: run }),
      15000,
      "B's cancel of A's run",
    );
    assert.equal(cancelled.status, "cancelled");
    assert.ok(Date.now() - t0 < 10000, `cancel took ${Date.now() - t0} ms`);
    await until(
      "A's container removed",
      async () => (await ownedContainers({ "swarm-mcp.run": run })).length === 0,
      5000,
    );
    assert.equal((await a.call("status", { run_id: run })).status, "cancelled");
    assert.equal((await b.call("status", { run_id: run })).status, "cancelled");
  });

  it("a run.json left running by a dead server is rewritten at the next start, without any call", async () => {
    const data = await dataDir();
    const id = "0d0d0d0d0d0d";
    await mkdir(data, { mode: 0o700 }); // a data dir the server accepts: ours and private
    await mkdir(join(data, id));
    await writeFile(
      join(data, id, "run.json"),
      JSON.stringify({
        run_id: id,
        tool: "par",
        status: "running",
        started_at: new Date().toISOString(),
        done: 0,
        total: 2,
        failed: 0,
        cost_usd: 0,
        refs: [],
        error: null,
        owner: { instance: "deaddeaddead", pid: DEAD_PID, host: TEST_HOST_ID },
      }),
    );
    const s = await start(data);
    const read = async () => JSON.parse(await readFile(join(data, id, "run.json"), "utf8"));
    await until(
      "the orphaned record rewritten",
      async () => (await read()).status !== "running",
      10000,
    );
    const rec = await read();
    assert.equal(rec.status, "failed");
    assert.match(rec.error.message, /server stopped before this run finished/);
    const w = await s.call("wait", { run_id: id, wait_s: 5 }, { allowError: true });
    assert.equal(w.isError, true);
    assert.match(w.text, /server stopped before this run finished/);
  });

  it("kill -9 of A mid-par: the next start reaps its containers and finishes its run", async () => {
    const data = await dataDir();
    const a = await start(data);
    const run = await sleeping(a, "par", 2);
    process.kill(a.transport.pid!, "SIGKILL");
    await until("A gone", () => {
      try {
        process.kill(a.transport.pid!, 0);
        return false;
      } catch {
        return true;
      }
    }, 5000);
    assert.equal(
      (await ownedContainers({ "swarm-mcp.run": run })).length,
      2,
      "SIGKILL leaves the containers behind",
    );
    const c = await start(data);
    await until(
      "A's containers reaped",
      async () => (await ownedContainers({ "swarm-mcp.run": run })).length === 0,
      20000,
    );
    await until(
      "A's run finished on disk",
      async () =>
        JSON.parse(await readFile(join(data, run, "run.json"), "utf8")).status !== "running",
      10000,
    );
    const status = await c.call("status", { run_id: run });
    assert.equal(status.status, "failed");
    assert.match(status.error.message, /server stopped before this run finished/);
  });
});
