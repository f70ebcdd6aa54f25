// Every control-flow path of the pipeline on the fake runtime: order, context, /shared, on_fail
// loops counted exactly, next, condition, retry_if match and exhaustion, budget and deadline.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import { callsOf, type Data, prompt, runPipeline, steps } from "./_helpers.ts";

describe("pipeline control flow", () => {
  let h: Harness;
  before(async () => (h = await createHarness()));
  after(() => h.dispose());

  it("runs steps in order, hands on output and links each ref to the previous one, with one /shared", async () => {
    const d = await runPipeline(h, {
      name: "three",
      steps: [
        { id: "gather", prompt: 'gather [[fake text="ALPHA"]]' },
        { prompt: 'second [[fake text="BETA" cost=0.05]]' },
        { id: "last", prompt: "last" },
      ],
    });
    assert.equal(d.status, "done");
    assert.equal(d.name, "three");
    assert.equal(steps(d), "gather step-1 last");
    assert.deepEqual(d.trace.map((e: Data) => e.agent_id), ["gather.1", "step-1.1", "last.1"]);
    assert.equal(d.steps_executed, 3);
    assert.equal(d.total_steps, 3);
    assert.equal(d.final.ref, `${d.run_id}/last.1`);
    assert.equal(d.total_cost_usd, 0.07);
    assert.equal(d.budget, null);
    assert.equal(d.deadline_met, null);
    assert.equal(
      await prompt(h, d.trace[1].ref),
      'second [[fake text="BETA" cost=0.05]]\n\n# Context from previous step (gather):\nALPHA',
    );
    assert.equal(
      await prompt(h, d.final.ref),
      "last\n\n# Context from previous step (step-1):\nBETA",
    );
    assert.deepEqual(d.final.parents, [`${d.run_id}/step-1.1`]);
    const shared = callsOf(h, d.run_id).map((c) =>
      c.opts.binds.filter((b) => b.container === "/shared")
    );
    const host = `${h.core.refs.runDir(d.run_id)}/shared`;
    assert.deepEqual(shared, Array(3).fill([{ host, container: "/shared", readonly: false }]));
    assert.equal((await stat(host)).mode & 0o777, 0o700);
  });

  it("on_fail loops into a fix step exactly max_retries times, then the run is broken", async () => {
    const d = await runPipeline(h, {
      steps: [
        { id: "test", prompt: 'test [[fake fail="3 tests fail"]]', on_fail: "fix" },
        { id: "fix", prompt: "fix it", condition: "prev.error", next: "test", max_retries: 2 },
      ],
    });
    assert.equal(steps(d), "test fix test fix test");
    assert.equal(d.status, "broken");
    assert.match(
      d.reason,
      /^Step "test" failed and on_fail "fix" was entered 2 time\(s\) \(max_retries 2\): .*3 tests fail/,
    );
    assert.deepEqual(d.trace.map((e: Data) => e.jumped_to), ["fix", "test", "fix", "test", null]);
    const fix = await prompt(h, d.trace[1].ref);
    assert.match(
      fix,
      /^fix it\n\n# Context from previous step \(test\):\n3 tests fail\n\n# Error from previous step \(test\):\n.*3 tests fail/s,
    );
  });

  it("a fix that works: the condition skips the fix step once the test passes", async () => {
    const d = await runPipeline(h, {
      steps: [
        { id: "test", prompt: "test [[fake failfirst=1]]", on_fail: "fix" },
        { id: "fix", prompt: "fix", condition: "prev.error", next: "test" },
        { id: "report", prompt: "report" },
      ],
    });
    assert.equal(d.status, "done");
    assert.equal(steps(d), "test fix test -fix report");
    assert.match(d.trace[3].reason, /condition prev.error/);
    assert.deepEqual(d.trace.map((e: Data) => e.status), ["failed", "ok", "ok", "skipped", "ok"]);
  });

  it("next jumps over steps and $stop ends the run", async () => {
    const d = await runPipeline(h, {
      steps: [
        { id: "a", prompt: "a", next: "c" },
        { id: "b", prompt: "b" },
        { id: "c", prompt: "c", next: "$stop" },
        { id: "d", prompt: "d" },
      ],
    });
    assert.equal(d.status, "done");
    assert.equal(steps(d), "a c");
    assert.deepEqual(d.trace.map((e: Data) => e.jumped_to), ["c", "$stop"]);
    const failed = await runPipeline(h, {
      steps: [{ id: "a", prompt: 'a [[fake fail="no"]]', on_fail: "$stop" }, { prompt: "b" }],
    });
    assert.equal(failed.status, "broken");
    assert.equal(steps(failed), "a");
  });

  it("retry_if jumps while the target's count allows, then falls through to the next step", async () => {
    const d = await runPipeline(h, {
      steps: [
        { id: "draft", prompt: "draft", max_retries: 2 },
        {
          id: "review",
          prompt: 'review [[fake text="NEEDS_REVISION: more data"]]',
          retry_if: { draft: "NEEDS_REVISION" },
        },
        { id: "publish", prompt: "publish" },
      ],
    });
    assert.equal(d.status, "done");
    assert.equal(steps(d), "draft review draft review draft review publish");
    assert.deepEqual(d.trace.map((e: Data) => e.jumped_to), [
      null,
      "draft",
      null,
      "draft",
      null,
      null,
      null,
    ]);
    assert.match(
      d.trace[5].reason,
      /^retry_if "NEEDS_REVISION" matched but "draft" was entered 2 time\(s\) \(max_retries 2\); going on$/,
    );
    const clean = await runPipeline(h, {
      steps: [{ id: "a", prompt: "a" }, {
        id: "b",
        prompt: 'b [[fake text="APPROVED"]]',
        retry_if: { a: "NEEDS" },
      }],
    });
    assert.equal(steps(clean), "a b");
  });

  it("stops with budget_exhausted once the budget is spent, each step capped at what is left", async () => {
    const d = await runPipeline(h, {
      budget: 0.3,
      steps: [1, 2, 3].map((i) => ({ prompt: `s${i} [[fake cost=0.2]]` })),
    });
    assert.equal(d.status, "budget_exhausted");
    assert.equal(steps(d), "step-0 step-1");
    assert.equal(d.reason, 'Spent $0.40 of $0.30 before step "step-2"');
    assert.deepEqual(d.budget, { limit: 0.3, spent: 0.4 });
    const caps = callsOf(h, d.run_id).map((c) =>
      Number(c.opts.cmd[c.opts.cmd.indexOf("--max-budget-usd") + 1])
    );
    assert.deepEqual(caps, [0.3, 0.1]);
  });

  it("stops with deadline_exceeded; each step's timeout is capped by what is left", async () => {
    const d = await runPipeline(h, {
      deadline_seconds: 1,
      steps: [{ id: "slow", prompt: "slow [[fake sleep=3000]]", on_fail: "after" }, {
        id: "after",
        prompt: "after",
      }],
    });
    assert.equal(d.status, "deadline_exceeded");
    assert.equal(d.deadline_met, false);
    assert.equal(steps(d), "slow");
    assert.equal(d.trace[0].status, "timeout");
    assert.equal(d.reason, 'The deadline of 1s passed before step "after"');
    assert.deepEqual(callsOf(h, d.run_id).map((c) => c.opts.timeoutMs), [1000]);
    const met = await runPipeline(h, { deadline_seconds: 600, steps: [{ prompt: "quick" }] });
    assert.equal(met.deadline_met, true);
    assert.equal(callsOf(h, met.run_id)[0]!.opts.timeoutMs, 600_000);
    // Without a deadline a step keeps its own timeout (the reference forced 300 s on every step).
    const free = await runPipeline(h, { steps: [{ prompt: "a" }, { prompt: "b", timeout: 4000 }] });
    const spec = await h.core.sandboxes.resolve(undefined);
    assert.deepEqual(callsOf(h, free.run_id).map((c) => c.opts.timeoutMs), [
      spec.timeout * 1000,
      4_000_000,
    ]);
  });

  it("bounds the context handed on: a huge output is cut with a pointer to /shared", async () => {
    const big = "x".repeat(200 * 1024);
    const d = await runPipeline(h, {
      steps: [{ id: "loud", prompt: `loud [[fake text="${big}"]]` }, {
        id: "next",
        prompt: "next",
      }],
    });
    const p = await prompt(h, d.trace[1].ref);
    assert.ok(p.length < 70 * 1024, `${p.length} characters`);
    assert.match(p, /\n… \(cut at 65536 of 204800 bytes; pass big results through \/shared\)$/);
  });

  it('progress names the step: "step 1/2 slow, $0.00"', async () => {
    const messages: string[] = [];
    const r = await h.call("pipeline", {
      definition: { steps: [{ id: "slow", prompt: "slow [[fake sleep=3500]]" }, { prompt: "b" }] },
    }, { onprogress: (p) => void (p.message && messages.push(p.message)) });
    assert.equal(r.data.status, "done", r.text);
    assert.ok(messages.includes("step 1/2 slow, $0.00"), messages.join(" | "));
    assert.equal(messages.at(-1), "2/2 agents done, $0.02");
  });
});

describe("pipeline classification", () => {
  let h: Harness;
  before(async () => (h = await createHarness()));
  after(() => h.dispose());

  it("stamps every step's ref with the definition's classification", async () => {
    const d = await runPipeline(h, {
      classification: "confidential",
      steps: [{ id: "a", prompt: "a" }, { id: "b", prompt: 'b [[fake fail="no"]]' }],
    });
    assert.equal(d.status, "broken");
    for (const e of d.trace) {
      const stamps = await h.core.refs.stamps(e.ref);
      assert.equal(stamps.classification?.level, "confidential", e.ref);
    }
  });

  it("refuses a restricted pipeline whose steps could reach the network, before any starts", async () => {
    const started = h.runtime.started;
    const r = await h.call("pipeline", {
      definition: { classification: "restricted", steps: [{ prompt: "a", network: true }] },
    });
    assert.equal(r.isError, true);
    assert.match(r.text, /steps\[0\] needs network false: the pipeline is classified "restricted"/);
    assert.equal(h.runtime.started, started);
    const ok = await runPipeline(h, {
      classification: "restricted",
      sandbox: { network: false },
      steps: [{ prompt: "a" }, { prompt: "b" }],
    });
    assert.equal(ok.status, "done");
  });
});
