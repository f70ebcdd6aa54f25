// The start-up reaper on a shared engine: it removes only containers of a dead instance on this
// host (same swarm-mcp.host, pid gone), never another host's, a live process's, or its own.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config.ts";
import { createCore } from "../../src/core/core.ts";
import { hostname, processStart } from "../../src/core/runtime/platform.ts";
import type { ContainerRuntime } from "../../src/core/types.ts";

const DEAD_PID = "2147483646"; // above any pid_max: no such process

describe("reaper", () => {
  it("SWARM_HOST_ID names the host label; unset, the machine's hostname", () => {
    assert.equal(hostname({ SWARM_HOST_ID: "ci-runner-7" }), "ci-runner-7");
    assert.equal(hostname({}), hostname());
    assert.notEqual(hostname(), "");
  });

  it("processStart() names when a process started; another pid's differs or is unknown", () => {
    assert.match(processStart(), /^\d+$/);
    assert.equal(processStart(), processStart(process.pid));
    assert.equal(processStart(2147483646), "");
  });

  it("removes a dead instance's containers on this host only, a reused pid counting as dead", async () => {
    const dir = await mkdtemp(join(tmpdir(), "swarm-reap-"));
    const removed: string[] = [];
    const config = loadConfig({
      HOME: dir,
      SWARM_DATA_DIR: join(dir, "data"),
      SWARM_HOST_ID: "host-here",
    }, "test");
    const labels = (owner: string, host: string, pid: string, started?: string) => ({
      "swarm-mcp.owner": owner,
      "swarm-mcp.host": host,
      "swarm-mcp.pid": pid,
      ...started === undefined ? {} : { "swarm-mcp.started": started },
    });
    const containers = [
      { id: "dead-here", labels: labels("aaaaaaaaaaaa", "host-here", DEAD_PID) },
      { id: "dead-elsewhere", labels: labels("bbbbbbbbbbbb", "host-other", DEAD_PID) },
      { id: "alive-here", labels: labels("cccccccccccc", "host-here", String(process.pid)) },
      {
        id: "alive-here-since",
        labels: labels("eeeeeeeeeeee", "host-here", String(process.pid), processStart()),
      },
      // A dead server's pid now held by another process (this one), which started at another time.
      {
        id: "pid-reused",
        labels: labels("ffffffffffff", "host-here", String(process.pid), `${processStart()}1`),
      },
      { id: "mine", labels: labels(config.instanceId, "host-here", DEAD_PID) },
      { id: "no-pid-elsewhere", labels: labels("dddddddddddd", "host-other", "") },
    ];
    const runtime = {
      listOwned: () => Promise.resolve(containers),
      remove: (id: string) => Promise.resolve(void removed.push(id)),
      removeByLabels: () => Promise.resolve(0),
    } as unknown as ContainerRuntime;
    const handle = await createCore(config, { runtime, ensureImage: async () => {} });
    try {
      assert.equal(await handle.reap(), 2);
      assert.deepEqual(removed, ["dead-here", "pid-reused"]);
    } finally {
      await handle.shutdown("test done");
      await rm(dir, { recursive: true, force: true });
    }
  });
});
