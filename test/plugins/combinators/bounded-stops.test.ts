// Stopping agents, each within a few seconds or failing with a sentence: race's losers, a task's
// timeout, cancel. The behaviour tests elsewhere check the details; these exist so that a bug that
// stops nothing fails in seconds instead of hanging until a suite-wide limit.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import { within } from "../../helpers/wait.ts";

describe("agents stop within a bound", () => {
  let h: Harness;
  before(async () => (h = await createHarness()));
  after(() => within(h.dispose(), 5000, "disposing the harness"));

  it("race: the losers are killed once one wins (the call ends within 3 s)", async () => {
    const r = await within(
      h.call("race", {
        tasks: [{ prompt: "slow [[fake hang]]" }, { prompt: 'fast [[fake sleep=50 text="won"]]' }],
      }),
      3000,
      "race with a hanging loser",
    );
    assert.equal(r.isError, false, r.text);
    assert.deepEqual(r.data.results.map((x: { status: string }) => x.status), ["cancelled", "ok"]);
  });

  it("a task's timeout: a hanging agent with timeout 1 ends as timeout within 5 s", async () => {
    const r = await within(
      h.call("run", { prompt: "stuck [[fake hang]]", timeout: 1 }),
      5000,
      "run of a hanging agent with timeout 1",
    );
    assert.equal(r.data.status, "timeout", r.text);
  });

  it("cancel: a run of hanging agents is cancelled within 3 s", async () => {
    const r = await h.call("par", {
      tasks: [{ prompt: "a [[fake hang]]" }, { prompt: "b [[fake hang]]" }],
      wait_s: 0,
    });
    assert.equal(r.data.status, "running", r.text);
    const c = await within(h.call("cancel", { run_id: r.data.run_id }), 3000, "cancel");
    assert.equal(c.data.status, "cancelled", c.text);
    const s = await within(h.call("status", { run_id: r.data.run_id }), 3000, "status");
    assert.equal(s.data.status, "cancelled", s.text);
  });
});
