// best_of: the plugin contract, and its behaviour on the fake runtime (par of n, then a judge).
// test/e2e/combinators.test.ts loads it into the compiled binary and runs real containers.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHarness } from "../../test/helpers/harness.ts";
import { testPlugin } from "../../test/contract/plugin-contract.ts";
import bestOf from "./index.ts";

testPlugin("best-of", bestOf, { samples: { best_of: { prompt: "contract sample", n: 2 } } });

describe("best_of()", () => {
  it("asks n candidates, then a judge whose parents are the candidates", async () => {
    const h = await createHarness({ plugins: { "best-of": bestOf } });
    try {
      const res = await h.call("best_of", {
        prompt: '[[fake cost=0.02 text="an answer"]] solve it',
        n: 3,
      });
      assert.equal(res.isError, false, res.text);
      assert.equal(res.data.candidates.length, 3);
      assert.ok(res.data.candidates.every((r: { status: string }) => r.status === "ok"));
      assert.deepEqual(
        [...res.data.best.parents].sort(),
        res.data.candidates.map((r: { ref: string }) => r.ref).sort(),
      );
      assert.ok(res.data.cost_usd >= 0.06, `cost ${res.data.cost_usd}`);
    } finally {
      await h.dispose();
    }
  });

  it("refuses a judge_prompt over 1 MiB before any candidate starts (and spends)", async () => {
    const h = await createHarness({ plugins: { "best-of": bestOf } });
    try {
      const res = await h.call("best_of", {
        prompt: "[[fake cost=0.5]] solve it",
        n: 2,
        judge_prompt: "x".repeat((1 << 20) + 1),
      });
      assert.equal(res.isError, true);
      assert.equal(res.data.code, "INVALID_INPUT");
      assert.match(res.text, /judge_prompt is over 1 MiB/);
      assert.equal(h.runtime.started, 0);
    } finally {
      await h.dispose();
    }
  });

  it("takes a saved sandbox spec by name, like every agent-starting tool", async () => {
    const h = await createHarness({ plugins: { "best-of": bestOf } });
    try {
      const saved = await h.call("save_sandbox_spec", { name: "cheap", spec: { model: "haiku" } });
      assert.equal(saved.isError, false, saved.text);
      const res = await h.call("best_of", { prompt: "[[fake]] solve it", n: 2, sandbox: "cheap" });
      assert.equal(res.isError, false, res.text);
      const models = h.runtime.calls.map((c) => c.opts.cmd[c.opts.cmd.indexOf("--model") + 1]);
      assert.deepEqual(models, ["haiku", "haiku", "haiku"]); // two candidates and the judge
    } finally {
      await h.dispose();
    }
  });

  it("fails clearly when every candidate fails", async () => {
    const h = await createHarness({ plugins: { "best-of": bestOf } });
    try {
      const res = await h.call("best_of", { prompt: '[[fake fail="no idea"]] solve it', n: 2 });
      assert.equal(res.isError, true);
      assert.equal(res.data.code, "AGENT_FAILED");
      assert.match(res.text, /every candidate failed.*no idea/);
    } finally {
      await h.dispose();
    }
  });
});
