// The run totals every many-agent result carries, and how failures read in an error message.
import type { Ref, RunHandle } from "../../core/types.ts";
import type { Budget } from "./_budget.ts";

export const round = (x: number, digits = 6) => Math.round(x * 10 ** digits) / 10 ** digits;

export interface Totals {
  cost_usd: number;
  succeeded: number;
  failed: number;
  duration_seconds: number;
}

export function totals(refs: Ref[], startedAt: number): Totals {
  return {
    cost_usd: round(refs.reduce((s, r) => s + (r.cost_usd ?? 0), 0)),
    succeeded: refs.filter((r) => r.status === "ok").length,
    failed: refs.filter((r) => r.status !== "ok").length,
    duration_seconds: round((Date.now() - startedAt) / 1000, 2),
  };
}

/** One line per failed ref for an error message: "agent-2: Timed out after 60s". */
export function describeFailures(refs: Ref[], max = 10): string {
  const bad = refs.filter((r) => r.status !== "ok");
  const lines = bad.slice(0, max).map((r) =>
    `${r.agent_id}: ${(r.error ?? r.status).replace(/\s+/g, " ").slice(0, 200)}`
  );
  if (bad.length > max) lines.push(`… and ${bad.length - max} more`);
  return lines.join("; ");
}

/** Drop undefined values so a result is plain JSON. */
export function clean<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as T;
}

/** The shape par, map and race share: refs in input order plus counts, totals and the budget. */
export function manyResult(run: RunHandle, refs: Ref[], startedAt: number, budget?: Budget) {
  const t = totals(refs, startedAt);
  return clean({
    run_id: run.run_id,
    total: refs.length,
    succeeded: t.succeeded,
    failed: t.failed,
    results: refs,
    totals: t,
    budget: budget?.report(),
  });
}
