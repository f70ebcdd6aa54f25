import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createHarness, type Harness } from "../../helpers/harness.ts";

describe("reduce", () => {
  let h: Harness;
  before(async () => (h = await createHarness()));
  after(() => h.dispose());

  it("reduce() reads ref texts, mixes them with plain texts, and records the refs as parents", async () => {
    const p = await h.call("par", {
      tasks: [{ prompt: 'a [[fake text="first finding"]]' }, {
        prompt: 'b [[fake text="second finding"]]',
      }],
    });
    const [a, b] = p.data.results;
    const r = await h.call("reduce", {
      inputs: [a, b.ref, "a plain note", { text: "a text object" }],
      synthesis_prompt: "Combine these",
    });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.input_count, 4);
    assert.equal(r.data.result.agent_id, "reducer");
    assert.deepEqual(r.data.result.parents, [a.ref, b.ref]);
    const prompt = await readFile(h.core.refs.paths(r.data.run_id, "reducer").prompt, "utf8");
    assert.equal(
      prompt,
      "Combine these\n\n# Inputs to synthesise:\n\n## Input 1\nfirst finding\n\n---\n\n## Input 2\nsecond finding\n\n---\n\n## Input 3\na plain note\n\n---\n\n## Input 4\na text object",
    );
  });

  it("reduce() caps the reducer at its budget and reports the spend", async () => {
    const r = await h.call("reduce", {
      inputs: ["x", "y"],
      synthesis_prompt: "Merge [[fake cost=0.05]]",
      budget: 0.2,
      max_budget: 0.5,
    });
    assert.equal(r.isError, false, r.text);
    const call = h.runtime.calls.find((c) => c.run === r.data.run_id)!;
    assert.equal(
      call.opts.cmd[call.opts.cmd.indexOf("--max-budget-usd") + 1],
      "0.2",
      "the smaller of budget and max_budget",
    );
    assert.deepEqual(r.data.budget, { limit: 0.2, spent: 0.05, stopped: false, not_started: [] });
    const none = await h.call("reduce", { inputs: ["x"], synthesis_prompt: "Merge", budget: 0 });
    assert.equal(none.data.result.status, "cancelled");
    assert.deepEqual(none.data.budget.not_started, ["reducer"]);
  });

  it("reduce() accepts a whole par result and skips its failed refs", async () => {
    const p = await h.call("par", {
      tasks: [{ prompt: 'ok [[fake text="kept"]]' }, { prompt: 'bad [[fake fail="x"]]' }],
    });
    const r = await h.call("reduce", { results: p.data, synthesis_prompt: "Sum up" });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.input_count, 1);
    assert.deepEqual(r.data.skipped.map((s: { ref: string }) => s.ref), [p.data.results[1].ref]);
    assert.deepEqual(r.data.result.parents, [p.data.results[0].ref]);
  });

  it("reduce() fails clearly for an unknown ref and when nothing succeeded", async () => {
    const missing = await h.call("reduce", {
      inputs: [{ ref: "aaaaaaaaaaaa/agent-0" }],
      synthesis_prompt: "x",
    });
    assert.equal(missing.isError, true);
    assert.equal(missing.data.code, "NOT_FOUND");
    const p = await h.call("par", { tasks: [{ prompt: 'bad [[fake fail="x"]]' }] });
    const none = await h.call("reduce", { inputs: p.data.results, synthesis_prompt: "x" });
    assert.equal(none.isError, true);
    assert.match(none.text, /none of the 1 input refs succeeded/);
  });
});
