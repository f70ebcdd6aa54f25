// /api/cost's sums on a stand-in core: spend per model per run, a model named by the agent as
// "__proto__" counted like any other, and a finished run's refs read once (kept), a running one's
// read again on every call.
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
});
