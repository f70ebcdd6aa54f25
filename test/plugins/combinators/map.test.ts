import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createHarness, type Harness } from "../../helpers/harness.ts";

describe("map", () => {
  let h: Harness;
  before(async () => (h = await createHarness()));
  after(() => h.dispose());

  it("map() fills {input} for each input and returns refs in input order", async () => {
    const r = await h.call("map", {
      prompt_template: "Summarise {input}, then {input} again",
      inputs: ["alpha", { n: 2 }, 3],
      model: "haiku",
    });
    assert.equal(r.isError, false, r.text);
    assert.deepEqual(r.data.results.map((x: { agent_id: string }) => x.agent_id), [
      "agent-0",
      "agent-1",
      "agent-2",
    ]);
    const prompts = await Promise.all(
      r.data.results.map((x: { run_id: string; agent_id: string }) =>
        readFile(h.core.refs.paths(x.run_id, x.agent_id).prompt, "utf8")
      ),
    );
    assert.deepEqual(prompts, [
      "Summarise alpha, then alpha again",
      'Summarise {"n":2}, then {"n":2} again',
      "Summarise 3, then 3 again",
    ]);
    assert.equal(r.data.totals.succeeded, 3);
  });

  it("map() accepts inputs as a JSON array string and keeps going past a failure", async () => {
    const r = await h.call("map", {
      prompt_template: "do {input}",
      inputs: JSON.stringify(["a", 'b [[fake fail="nope"]]', "c"]),
    });
    assert.deepEqual(r.data.results.map((x: { status: string }) => x.status), [
      "ok",
      "failed",
      "ok",
    ]);
    assert.equal(r.data.failed, 1);
  });

  it("map() refuses a template without {input}", async () => {
    const r = await h.call("map", { prompt_template: "no placeholder", inputs: ["a"] });
    assert.equal(r.isError, true);
    assert.match(r.text, /no \{input\} placeholder/);
  });

  it("map() applies a named sandbox without clobbering it with defaults", async () => {
    const r = await h.call("map", {
      prompt_template: "{input}",
      inputs: ["x"],
      sandbox: { model: "opus", network: false },
    });
    const call = h.runtime.calls.find((c) => c.run === r.data.run_id)!;
    assert.equal(call.opts.cmd[call.opts.cmd.indexOf("--model") + 1], "opus");
    assert.equal(call.opts.network, "none");
  });
});
