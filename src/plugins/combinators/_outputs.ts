// outputSchema of each combinator (tools/list). Loose on purpose: nothing is required and extra
// properties are allowed, because any agent-starting call may first return {status: "running",
// run_id, done, total, failed, cost_usd, refs_so_far, message} and clients validate every result.
// Only the main properties are listed, to keep tools/list small.
import type { Tool } from "../../core/types.ts";

type Output = NonNullable<Tool["output"]>;
const str = { type: "string" };
const num = { type: "number" };
const obj = { type: "object" };
const REF = { type: "object", properties: { ref: str, status: str } };
const REFS = { type: "array" };

const shape = (properties: Record<string, object>): Output => ({
  type: "object",
  properties: { run_id: str, status: str, ...properties },
});

/** A ref's own fields, for tools that return one ref (status is in shape()). */
const ONE_REF = { ref: str, cost_usd: { type: ["number", "null"] }, output_dir: str };
const MANY = { total: num, failed: num, results: REFS, totals: obj };

export const OUTPUTS: Record<string, Output> = {
  run: shape(ONE_REF),
  par: shape(MANY),
  map: shape(MANY),
  chain: shape({ completed_stages: num, final: REF, intermediates: REFS }),
  reduce: shape({ input_count: num, result: REF, totals: obj }),
  map_reduce: shape({ map_failed: num, result: REF, map_results: REFS }),
  race: shape({ winner: REF, failed: num, results: REFS }),
  retry: shape({ ...ONE_REF, attempts: REFS }),
  filter: shape({ valid: num, results: REFS, rejected: REFS }),
  guard: shape(ONE_REF),
};
