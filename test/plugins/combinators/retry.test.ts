import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { fakeValidatePlugin } from "../../helpers/fake-validate.ts";
import { createHarness } from "../../helpers/harness.ts";
import { defaultPlugins } from "../../../src/plugins/_registry.ts";

// The built-ins without the types plugin: these tests bring a stand-in validate, or none.
const builtins = defaultPlugins.filter((n) => n !== "types");

describe("retry", () => {
  it("retry() feeds the earlier errors back and succeeds on a later attempt", async () => {
    const h = await createHarness();
    try {
      const r = await h.call("retry", { prompt: "Fix the build [[fake failfirst=2]]" });
      assert.equal(r.isError, false, r.text);
      assert.equal(r.data.agent_id, "attempt-3");
      assert.equal(r.data.status, "ok");
      assert.equal(r.data.stamps.retry.attempt, 3);
      assert.equal(r.data.stamps.retry.max_attempts, 3);
      assert.equal(r.data.stamps.retry.prior_errors.length, 2);
      assert.deepEqual(r.data.parents, [
        `${r.data.run_id}/attempt-1`,
        `${r.data.run_id}/attempt-2`,
      ]);
      assert.deepEqual(r.data.attempts, [1, 2, 3].map((n) => `${r.data.run_id}/attempt-${n}`));
      assert.equal(r.data.totals.failed, 2);
      const p2 = await readFile(h.core.refs.paths(r.data.run_id, "attempt-2").prompt, "utf8");
      assert.equal(
        p2,
        "Fix the build [[fake failfirst=2]]\n\n# Prior attempts failed with these errors:\n\n## Attempt 1\nClaude Code failed (error_during_execution): fake failure 1 of 2\n\nPlease fix the issues and try again.",
      );
      const p3 = await readFile(h.core.refs.paths(r.data.run_id, "attempt-3").prompt, "utf8");
      assert.match(
        p3,
        /## Attempt 1\n.*fake failure 1 of 2\n\n## Attempt 2\n.*fake failure 2 of 2\n\nPlease fix the issues and try again\.$/,
      );
      // The retry stamp is server-held: it is still there when the ref is read back.
      assert.equal(
        ((await h.core.refs.stamps(r.data.ref)).retry as { attempt: number }).attempt,
        3,
      );
    } finally {
      await h.dispose();
    }
  });

  it("retry() is an error listing every attempt's failure when all fail", async () => {
    const h = await createHarness();
    try {
      const r = await h.call("retry", {
        prompt: 'x [[fake fail="still broken"]]',
        max_attempts: 2,
      });
      assert.equal(r.isError, true);
      assert.equal(r.data.code, "AGENT_FAILED");
      assert.match(
        r.text,
        /all 2 attempts failed.*attempt 1: .*still broken; attempt 2: .*still broken/,
      );
      assert.match(r.text, /attempt-2/);
      assert.equal(h.runtime.started, 2);
    } finally {
      await h.dispose();
    }
  });

  it("retry() stops when the budget is spent", async () => {
    const h = await createHarness();
    try {
      const r = await h.call("retry", {
        prompt: 'x [[fake fail="no" cost=0.3]]',
        max_attempts: 5,
        budget: 0.5,
      });
      assert.equal(r.isError, true);
      assert.equal(r.data.code, "BUDGET_EXCEEDED");
      assert.match(r.text, /budget of \$0\.5 was spent \(\$0\.6\) after 2 attempt/);
      assert.equal(h.runtime.started, 2);
    } finally {
      await h.dispose();
    }
  });

  it("retry(declared_type) says the types plugin is missing before starting anything", async () => {
    const h = await createHarness({ builtins });
    try {
      const r = await h.call("retry", { prompt: "x", declared_type: "report" });
      assert.equal(r.isError, true);
      assert.equal(r.data.code, "NOT_FOUND");
      assert.match(r.text, /needs the types plugin/);
      assert.equal(h.runtime.started, 0);
    } finally {
      await h.dispose();
    }
  });

  it("retry(declared_type) retries an output that does not validate, with the verdict as feedback", async () => {
    const validate = fakeValidatePlugin({ script: ["INVALID", "VALID"] });
    const h = await createHarness({ builtins, plugins: { "fake-types": validate } });
    try {
      const r = await h.call("retry", { prompt: "Write a report", declared_type: "report" });
      assert.equal(r.isError, false, r.text);
      assert.equal(r.data.agent_id, "attempt-2");
      assert.deepEqual(validate.calls.map((c) => c.ref), [
        `${r.data.run_id}/attempt-1`,
        `${r.data.run_id}/attempt-2`,
      ]);
      const p2 = await readFile(h.core.refs.paths(r.data.run_id, "attempt-2").prompt, "utf8");
      assert.match(
        p2,
        /## Attempt 1\nType validation failed \(INVALID, score 0\): output is not a report/,
      );
      // Validated now, as far as guard is concerned.
      const g = await h.call("guard", { ref: r.data.ref, check: "validated", value: "report" });
      assert.equal(g.isError, false, g.text);
    } finally {
      await h.dispose();
    }
  });
});
