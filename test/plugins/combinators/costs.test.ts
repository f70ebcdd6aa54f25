// Costs on the wire are rounded to a micro-dollar where they are produced (a ref, a run's running
// sum), so float sums like 0.1 + 0.2 never reach a client as 0.30000000000000004.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHarness, type Harness } from "../../helpers/harness.ts";

/** No number on the wire carries more than six decimals. */
const LONG_DECIMAL = /\d\.\d{7,}/;

describe("costs on the wire", () => {
  let h: Harness;
  before(async () => (h = await createHarness()));
  after(() => h.dispose());

  it("refs, totals, budget, status and runs carry rounded sums of 0.1 + 0.2 + 0.00007000000000000001", async () => {
    const tasks = ["0.1", "0.2", "0.00007000000000000001"].map((c) => ({
      prompt: `x [[fake cost=${c}]]`,
    }));
    const r = await h.call("par", { tasks, budget: 5 });
    assert.equal(r.isError, false, r.text);
    assert.deepEqual(r.data.results.map((x: { cost_usd: number }) => x.cost_usd), [
      0.1,
      0.2,
      0.00007,
    ]);
    assert.equal(r.data.totals.cost_usd, 0.30007);
    assert.equal(r.data.budget.spent, 0.30007);
    const s = await h.call("status", { run_id: r.data.run_id });
    assert.equal(s.data.cost_usd, 0.30007);
    const list = await h.call("runs", {});
    const mine = list.data.runs.find((x: { run_id: string }) => x.run_id === r.data.run_id);
    assert.equal(mine.cost_usd, 0.30007);
    for (const wire of [r.text, s.text, JSON.stringify(mine)]) {
      assert.doesNotMatch(wire, LONG_DECIMAL);
    }
    const ref = await h.core.refs.get(r.data.results[2].ref);
    assert.equal(ref.cost_usd, 0.00007);
  });

  it("a call that returns while agents still run reports the rounded spend so far", async () => {
    const tasks = [{ prompt: "a [[fake cost=0.1]]" }, { prompt: "b [[fake cost=0.2]]" }, {
      prompt: "c [[fake sleep=1500]]",
    }];
    const first = await h.call("par", { tasks, max_concurrency: 3, wait_s: 0.7 });
    assert.equal(
      first.data.status,
      "running",
      `the slow agent should still run after 0.7 s: ${first.text}`,
    );
    assert.equal(first.data.done, 2);
    assert.equal(first.data.cost_usd, 0.3);
    const done = await h.call("wait", { run_id: first.data.run_id, wait_s: 10 });
    assert.equal(done.data.totals.cost_usd, 0.31);
  });
});
