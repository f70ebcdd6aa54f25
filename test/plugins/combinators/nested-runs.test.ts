// Run-aware ctx.call: a tool that calls par inside its own run gets one run for everything (one
// id, refs, totals, one cancel), only its own wait_s decides when it answers "running", and a
// nested call never answers "running" itself (fake runtime).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { PluginFactory, Ref } from "../../../src/core/types.ts";
import { createHarness, type Harness } from "../../helpers/harness.ts";

type Par = { run_id: string; results: Ref[]; status?: string };

/** `outer` runs two par calls one after the other inside its run; `bare` calls par from a tool
 * body outside any run. Both ask for wait_s 0, which a nested call must not obey. */
const nest: PluginFactory = (core) => {
  const { v } = core;
  const tasks = (prompt: string, n: number) => Array.from({ length: n }, () => ({ prompt }));
  return {
    name: "nest",
    tools: [{
      name: "outer",
      description: "Test tool: par(a) then par(b), n tasks each, inside one run",
      input: v.object({ a: v.string(), b: v.string(), n: v.number(), wait_s: v.number() }),
      run: (x: { a: string; b: string; n: number; wait_s: number }, ctx) =>
        core.runs.start("outer", ctx, { wait_s: x.wait_s, total: 0 }, async (run) => {
          const first = await ctx.call("par", { tasks: tasks(x.a, x.n), wait_s: 0 }) as Par;
          const second = await ctx.call("par", { tasks: tasks(x.b, x.n), wait_s: 0 }) as Par;
          return { run_id: run.run_id, first, second };
        }),
    }, {
      name: "bare",
      description: "Test tool: par(a) called from a tool body that is not inside a run",
      input: v.object({ a: v.string(), n: v.number() }),
      run: (x: { a: string; n: number }, ctx) =>
        ctx.call("par", { tasks: tasks(x.a, x.n), wait_s: 0 }),
    }],
  };
};

describe("run-aware ctx.call", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness({ plugins: { nest } });
  });
  after(() => h.dispose());

  it("nested par calls join the outer run: one run id, prefixed agent ids, totals include them", async () => {
    const progress: { progress: number; total?: number; message?: string }[] = [];
    const r = await h.call("outer", {
      a: "[[fake sleep=30 cost=0.1]] a",
      b: "[[fake sleep=30 cost=0.1]] b",
      n: 2,
      wait_s: 60,
    }, { onprogress: (p) => void progress.push(p) });
    assert.equal(r.isError, false, r.text);
    const { run_id, first, second } = r.data;
    assert.equal(first.status, undefined, "a nested call answered {status: running}");
    assert.equal(first.run_id, run_id);
    assert.equal(second.run_id, run_id);
    const ids = [...first.results, ...second.results].map((x: Ref) => x.ref);
    assert.deepEqual(ids, [
      `${run_id}/par-1.agent-0`,
      `${run_id}/par-1.agent-1`,
      `${run_id}/par-2.agent-0`,
      `${run_id}/par-2.agent-1`,
    ]);
    const status = await h.call("status", { run_id });
    assert.equal(status.data.tool, "outer");
    assert.deepEqual([...status.data.refs].sort(), [...ids].sort());
    assert.equal(status.data.done, 4);
    assert.equal(status.data.total, 4);
    assert.equal(status.data.cost_usd, 0.4);
    assert.deepEqual(progress.at(-1), { progress: 4, total: 4, message: progress.at(-1)!.message });
  });

  it("only the outer wait_s answers running; refs_so_far show nested agents; cancel kills them", async () => {
    const started = h.runtime.started;
    const r = await h.call("outer", { a: "[[fake]] a", b: "[[fake hang]] b", n: 2, wait_s: 0 });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.status, "running");
    const run_id = r.data.run_id;
    await h.runtime.until((rt) => rt.started === started + 4 && rt.running === 2, 10_000);
    const mid = await h.call("wait", { run_id, wait_s: 0 });
    assert.equal(mid.data.status, "running");
    assert.equal(mid.data.total, 4);
    assert.deepEqual([...mid.data.refs_so_far].sort(), [
      `${run_id}/par-1.agent-0`,
      `${run_id}/par-1.agent-1`,
    ]);
    const t0 = Date.now();
    const c = await h.call("cancel", { run_id });
    assert.equal(c.data.status, "cancelled", c.text);
    assert.ok(Date.now() - t0 < 10_000, "cancel took over 10 s");
    assert.equal(h.runtime.running, 0, "the nested agents still run after the outer cancel");
    assert.equal(h.runtime.cancelled().filter((x) => x.exit?.cancelled).length >= 2, true);
  });

  it("a nested call from a tool body outside any run waits for its result", async () => {
    const progress: { progress: number; total?: number; message?: string }[] = [];
    const r = await h.call("bare", { a: "[[fake sleep=200]] a", n: 2 }, {
      onprogress: (p) => void progress.push(p),
    });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.status, undefined, "a nested call answered {status: running}");
    assert.equal(r.data.succeeded, 2);
    assert.equal(progress.at(-1)?.total, 2, "the nested call's progress was not forwarded");
  });
});
