// cancel {run_id, agent_id}: one agent of a running run stops (its container is killed, its ref is
// written as cancelled) and the rest of the run goes on; an agent not running here is refused with
// a sentence, a foreign server's run too (its owner alone holds the container).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import { within } from "../../helpers/wait.ts";

describe("cancel one agent of a run", () => {
  let h: Harness;
  before(async () => (h = await createHarness()));
  after(() => within(h.dispose(), 5000, "disposing the harness"));

  it("stops agent-1 of a par of three; agent-0 and agent-2 finish ok", async () => {
    const started = await h.call("par", {
      tasks: [0, 1, 2].map((i) => ({ prompt: `t${i} [[fake sleep=1500 cost=0.1]]` })),
      wait_s: 0,
    });
    assert.equal(started.data.status, "running", started.text);
    const { run_id } = started.data;
    await h.runtime.until((rt) => rt.calls.filter((c) => c.run === run_id).length === 3, 3000);
    const c = await within(
      h.call("cancel", { run_id, agent_id: "agent-1" }),
      1000,
      "cancelling one agent",
    );
    assert.equal(c.isError, false, c.text);
    assert.equal(c.data.status, "running", "the run stopped with its agent");
    const killed = h.runtime.cancelled().filter((x) => x.run === run_id).map((x) => x.agent);
    assert.deepEqual(killed, ["agent-1"]);
    const ref = await h.core.refs.get(`${run_id}/agent-1`);
    assert.equal(ref.status, "cancelled");
    const done = await within(h.call("wait", { run_id, wait_s: 10 }), 5000, "the par's end");
    assert.deepEqual(
      done.data.results.map((r: { status: string }) => r.status),
      ["ok", "cancelled", "ok"],
      done.text,
    );
  });

  it("refuses an agent that is not running, and a bad agent id, with a sentence", async () => {
    const r = await h.call("run", { prompt: "quick" });
    const finished = await h.call("cancel", { run_id: r.data.run_id, agent_id: "agent-0" });
    assert.equal(finished.isError, true);
    assert.match(
      finished.text,
      /Cannot cancel agent "\w+\/agent-0": it is not running here \(it ended ok\)/,
    );
    const bad = await h.call("cancel", { run_id: r.data.run_id, agent_id: "../x" });
    assert.equal(bad.isError, true);
    assert.match(bad.text, /Cannot /);
  });

  it("refuses an agent of a run another server on the same data dir owns", async () => {
    const other = await createHarness({ dataDir: h.dataDir });
    try {
      const r = await other.call("run", { prompt: "[[fake hang]]", wait_s: 0 });
      const { run_id } = r.data;
      await other.runtime.until((rt) => rt.running === 1, 3000);
      const c = await h.call("cancel", { run_id, agent_id: "agent-0" });
      assert.equal(c.isError, true, c.text);
      assert.match(c.text, /another swarm-mcp server runs it; cancel the whole run instead/);
      assert.equal(other.runtime.running, 1, "the foreign agent was stopped");
      await other.call("cancel", { run_id });
    } finally {
      await within(other.dispose({ keep: true }), 5000, "disposing the second server");
    }
  });
});
