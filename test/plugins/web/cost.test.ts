// /api/cost's sums on a stand-in core: spend per model per run, a model named by the agent as
// "__proto__" counted like any other, a finished run's refs read once (kept), a running one's
// read again on every call, and sums rounded to the micro-dollar like every cost on the wire.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Core, RunInfo } from "../../../src/core/types.ts";
import { costs } from "../../../src/plugins/web/cost.ts";

const run = (run_id: string, status: RunInfo["status"], refs: string[]): RunInfo => ({
  run_id,
  tool: "par",
  status,
  started_at: "2026-01-01T00:00:00Z",
  done: refs.length,
  total: refs.length,
  failed: 0,
  cost_usd: 0,
  refs,
});

describe("web cost: spend per model", () => {
  it("sums refs by model, '__proto__' too; a finished run is read once", async () => {
    const models: Record<string, string> = {
      "aaaaaaaaaaaa/agent-0": "__proto__",
      "aaaaaaaaaaaa/agent-1": "__proto__",
      "aaaaaaaaaaaa/agent-2": "claude-x",
      "bbbbbbbbbbbb/agent-0": "claude-y",
    };
    const reads: string[] = [];
    const core = {
      runs: {
        list: () =>
          Promise.resolve([
            run("bbbbbbbbbbbb", "running", ["bbbbbbbbbbbb/agent-0"]),
            run("aaaaaaaaaaaa", "done", Object.keys(models).slice(0, 3)),
          ]),
      },
      refs: {
        get: (id: string) => {
          reads.push(id);
          return Promise.resolve({ model: models[id], cost_usd: 0.25 });
        },
      },
    } as unknown as Core;
    const get = costs(core);
    const first = await get();
    const done = first.runs.find((r) => r.run_id === "aaaaaaaaaaaa")!;
    const want = JSON.parse('{"__proto__": 0.5, "claude-x": 0.25}');
    assert.deepEqual(JSON.parse(JSON.stringify(done.by_model)), want);
    await get();
    assert.equal(
      reads.filter((r) => r.startsWith("aaaa")).length,
      3,
      "the finished run read twice",
    );
    assert.equal(reads.filter((r) => r.startsWith("bbbb")).length, 2, "the running run was kept");
  });

  it("rounds each sum to the micro-dollar: 0.1 + 0.2 + 0.00007000000000000001 is 0.30007", async () => {
    const costsOf = [0.1, 0.2, 0.00007000000000000001];
    const ids = costsOf.map((_, i) => `cccccccccccc/agent-${i}`);
    const core = {
      runs: { list: () => Promise.resolve([run("cccccccccccc", "done", ids)]) },
      refs: {
        get: (id: string) =>
          Promise.resolve({ model: "claude-x", cost_usd: costsOf[ids.indexOf(id)] }),
      },
    } as unknown as Core;
    const { runs } = await costs(core)();
    assert.equal(runs[0]!.by_model["claude-x"], 0.30007);
    assert.doesNotMatch(JSON.stringify(runs), /\d\.\d{7,}/);
  });
});
