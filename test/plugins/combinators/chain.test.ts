import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createHarness, type Harness } from "../../helpers/harness.ts";

describe("chain", () => {
  let h: Harness;
  before(async () => (h = await createHarness()));
  after(() => h.dispose());

  it("chain() hands each stage the previous output and links the refs", async () => {
    const r = await h.call("chain", {
      stages: [
        { prompt: 'draft [[fake text="ALPHA"]]' },
        { prompt: 'review [[fake text="BETA"]]' },
        { prompt: "polish" },
      ],
    });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.completed_stages, 3);
    assert.equal(r.data.total_stages, 3);
    assert.equal(r.data.final.agent_id, "stage-2");
    assert.deepEqual(r.data.intermediates.map((x: { agent_id: string }) => x.agent_id), [
      "stage-0",
      "stage-1",
      "stage-2",
    ]);
    const p1 = await readFile(h.core.refs.paths(r.data.run_id, "stage-1").prompt, "utf8");
    assert.equal(p1, 'review [[fake text="BETA"]]\n\n# Context from previous stage:\nALPHA');
    const p2 = await readFile(h.core.refs.paths(r.data.run_id, "stage-2").prompt, "utf8");
    assert.equal(p2, "polish\n\n# Context from previous stage:\nBETA");
    assert.deepEqual(r.data.final.parents, [`${r.data.run_id}/stage-1`]);
    assert.deepEqual(r.data.intermediates[0].parents, []);
  });

  it("chain() stops at the first failing stage and says which and why", async () => {
    const before = h.runtime.started;
    const r = await h.call("chain", {
      stages: [{ prompt: "one" }, { prompt: 'two [[fake fail="the tests do not pass"]]' }, {
        prompt: "three",
      }],
    });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.completed_stages, 1);
    assert.equal(r.data.failed_stage, 1);
    assert.match(r.data.error, /^Stage 1 failed: .*the tests do not pass/);
    assert.equal(r.data.intermediates.length, 2);
    assert.equal(r.data.final, undefined);
    assert.equal(h.runtime.started - before, 2);
    assert.equal(r.data.totals.failed, 1);
  });

  it("chain() caps each stage at what is left of the budget and stops once it is spent", async () => {
    const stages = [{ prompt: "one [[fake cost=0.2]]" }, { prompt: "two [[fake cost=0.2]]" }, {
      prompt: "three [[fake cost=0.2]]",
    }];
    const r = await h.call("chain", { stages, budget: 0.3 });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.completed_stages, 2);
    assert.equal(r.data.failed_stage, 2);
    assert.match(r.data.error, /^Stage 2 failed: Not started: the budget of \$0\.30? is spent/);
    assert.deepEqual(r.data.budget, {
      limit: 0.3,
      spent: 0.4,
      stopped: true,
      not_started: ["stage-2"],
    });
    const caps = h.runtime.calls.filter((c) => c.run === r.data.run_id).map((c) =>
      Number(c.opts.cmd[c.opts.cmd.indexOf("--max-budget-usd") + 1])
    );
    assert.deepEqual(caps, [0.3, 0.1]);
    const enough = await h.call("chain", { stages: stages.slice(0, 1), budget: 1 });
    assert.deepEqual(enough.data.budget, { limit: 1, spent: 0.2, stopped: false, not_started: [] });
  });
});
