import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createHarness, type Harness } from "../../helpers/harness.ts";

describe("map_reduce", () => {
  let h: Harness;
  before(async () => (h = await createHarness()));
  after(() => h.dispose());

  it("map_reduce() reduces the successful map outputs and reports the failures", async () => {
    const r = await h.call("map_reduce", {
      prompt_template: "Look at {input}",
      inputs: ["x", 'y [[fake fail="broken input"]]', "z"],
      synthesis_prompt: "Merge",
      reduce_model: "opus",
      model: "haiku",
      system_prompt: "map only",
      reduce_system_prompt: "reduce only",
    });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.map_total, 3);
    assert.equal(r.data.map_succeeded, 2);
    assert.equal(r.data.map_failed, 1);
    assert.equal(r.data.map_errors.length, 1);
    assert.equal(r.data.map_errors[0].agent_id, "agent-1");
    assert.match(r.data.map_errors[0].error, /broken input/);
    assert.equal(r.data.result.status, "ok");
    assert.deepEqual(r.data.result.parents, [
      `${r.data.run_id}/agent-0`,
      `${r.data.run_id}/agent-2`,
    ]);
    assert.equal(r.data.map_results.length, 3);
    assert.equal(r.data.totals.succeeded, 3);
    const prompt = await readFile(h.core.refs.paths(r.data.run_id, "reducer").prompt, "utf8");
    assert.equal(
      prompt,
      "Merge\n\n# Inputs to synthesise:\n\n## Input 1\necho: Look at x\n\n---\n\n## Input 2\necho: Look at z",
    );
    const argv = (agent: string) =>
      h.runtime.calls.find((c) => c.run === r.data.run_id && c.agent === agent)!.opts.cmd;
    const flag = (agent: string, f: string) => argv(agent)[argv(agent).indexOf(f) + 1];
    assert.equal(flag("agent-0", "--model"), "haiku");
    assert.equal(flag("reducer", "--model"), "opus");
    assert.equal(flag("agent-0", "--system-prompt"), "map only");
    assert.equal(flag("reducer", "--system-prompt"), "reduce only");
  });

  it("map_reduce() is an error listing each failure when every map agent fails", async () => {
    const before = h.runtime.started;
    const r = await h.call("map_reduce", {
      prompt_template: '{input} [[fake fail="no luck"]]',
      inputs: ["a", "b"],
      synthesis_prompt: "Merge",
    });
    assert.equal(r.isError, true);
    assert.equal(r.data.code, "AGENT_FAILED");
    assert.match(r.text, /all 2 map agents failed.*agent-0: .*no luck; agent-1: .*no luck/);
    assert.equal(h.runtime.started - before, 2); // no reducer was started
  });

  it("map_reduce() does not start the reducer once the budget is spent", async () => {
    const r = await h.call("map_reduce", {
      prompt_template: "{input} [[fake cost=0.3]]",
      inputs: ["a", "b"],
      synthesis_prompt: "Merge",
      budget: 0.5,
    });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.result.status, "cancelled");
    assert.match(r.data.result.error, /budget/);
    assert.equal(r.data.budget.stopped, true);
    assert.deepEqual(r.data.budget.not_started, ["reducer"]);
  });
});
