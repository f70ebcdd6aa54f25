// The cost view's data beyond the runs list: each run's spend per model, summed from its refs. A
// finished run's refs do not change, so its sum is kept; a data dir of 500 runs is read once, and
// the reads are bounded (runs, refs) so one huge map cannot stall the page.
import type { Core } from "../../core/types.ts";

const MAX_RUNS = 500;
const MAX_REFS = 5000;
const MAX_KEPT = 2000;

interface RunSpend {
  run_id: string;
  started_at: string;
  finished_at: string | null;
  /** model → USD; "(unknown)" for refs that name none. */
  by_model: Record<string, number>;
}

export function costs(core: Core) {
  const kept = new Map<string, RunSpend>(); // finished runs only
  return async () => {
    let left = MAX_REFS;
    const runs: RunSpend[] = [];
    for (const r of await core.runs.list(MAX_RUNS)) {
      let row = kept.get(r.run_id);
      if (!row) {
        const ids = r.refs.slice(0, Math.max(0, left));
        left -= ids.length;
        // The model is the agent's word: "__proto__" must be a model like any other.
        const by_model: Record<string, number> = Object.create(null);
        const refs = await Promise.all(ids.map((id) => core.refs.get(id).catch(() => null)));
        for (const ref of refs) {
          if (!ref?.cost_usd) continue;
          const m = String(ref.model ?? "(unknown)").slice(0, 80);
          // To the micro-dollar, as every cost on the wire: 0.1 + 0.2 is 0.3 here too.
          by_model[m] = Math.round(((by_model[m] ?? 0) + ref.cost_usd) * 1e6) / 1e6;
        }
        row = {
          run_id: r.run_id,
          started_at: r.started_at,
          finished_at: r.finished_at ?? null,
          by_model,
        };
        if (r.status !== "running" && ids.length === r.refs.length) {
          if (kept.size >= MAX_KEPT) kept.delete(kept.keys().next().value!);
          kept.set(r.run_id, row);
        }
      }
      runs.push(row);
    }
    return { runs };
  };
}
