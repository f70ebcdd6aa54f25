// Starting one task so that its input errors, the budget and cancellation become refs (never a
// crash of the whole call), and a bounded scheduler.
import type { Core, Ref, RefStatus, RunHandle, SandboxSpec } from "../../core/types.ts";
import type { Budget, Hold } from "./_budget.ts";
import { agent } from "./_common.ts";

/** Errors caused by one task's own arguments: they fail that task, not the call. */
const TASK_INPUT_CODES = new Set(["INVALID_INPUT", "NOT_FOUND", "FORBIDDEN", "TOO_LARGE"]);

/** Store a ref for a task that never ran (cancelled, over budget, bad input), so every task has one. */
export async function placeholder(
  core: Core,
  run: RunHandle,
  agentId: string,
  status: RefStatus,
  error: string,
  parents: string[] = [],
): Promise<Ref> {
  // spawn may have made the dir before it refused the task; the ref still belongs there.
  const id = run.agentId(agentId);
  await core.refs.create(run.run_id, id).catch((e) => {
    if (!core.isToolError(e) || e.code !== "CONFLICT") throw e;
  });
  const ref = await core.refs.finish(run.run_id, id, {
    status,
    exit_code: -1,
    error,
    duration_seconds: 0,
    parents,
  });
  run.add(ref);
  return ref;
}

export interface TaskRun {
  agentId: string;
  prompt: string;
  spec(): Promise<SandboxSpec>;
  parents?: string[];
  /** Defaults to the run's signal; race gives each task its own so it can kill the losers. */
  signal?: AbortSignal;
  budget?: Budget;
  /** Why the task was not started when its signal was already aborted. */
  abortReason?: () => string;
  /** The spec came only from the call's own arguments, so its input errors fail the whole call. */
  callLevel?: boolean;
}

/** Run one task as part of `run`. Always a ref, except when the environment is broken (no Docker…). */
export async function runTask(core: Core, run: RunHandle, t: TaskRun): Promise<Ref> {
  const signal = t.signal ?? run.signal;
  const cancelled = () =>
    placeholder(
      core,
      run,
      t.agentId,
      "cancelled",
      t.abortReason?.() ?? "Cancelled before the agent started",
      t.parents,
    );
  if (signal.aborted) return cancelled();
  let hold: Hold | undefined;
  try {
    const spec = await t.spec();
    const got = await t.budget?.reserve(t.agentId, signal, maxBudget(spec));
    if (got === null) return cancelled();
    if (typeof got === "string") {
      return placeholder(core, run, t.agentId, "cancelled", got, t.parents);
    }
    hold = got;
    return await agent(core, run, spec, t.prompt, t.agentId, {
      parents: t.parents,
      budget_cap: hold?.cap,
      signal,
    });
  } catch (e) {
    if (!core.isToolError(e) || !TASK_INPUT_CODES.has(e.code) || t.callLevel) throw e;
    const stored = e.data?.ref;
    if (typeof stored === "string") {
      const ref = core.refs.wire(await core.refs.get(stored));
      run.add(ref);
      return ref;
    }
    return placeholder(core, run, t.agentId, "failed", e.message, t.parents);
  } finally {
    hold?.release(); // after spawn counted the agent's cost into the run
  }
}

/** The spec's own cap for its agent (the claude driver's max_budget), if it has one. */
function maxBudget(spec: SandboxSpec): number | undefined {
  const x = (spec as { max_budget?: unknown }).max_budget;
  return typeof x === "number" && Number.isFinite(x) ? x : undefined;
}

/** Run fn(0..n-1) with at most `limit` at once, results in index order; stops dequeuing after a throw. */
export async function schedule<T>(
  n: number,
  limit: number,
  fn: (i: number) => Promise<T>,
): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  let broken = false;
  const worker = async () => {
    while (!broken && next < n) {
      const i = next++;
      try {
        out[i] = await fn(i);
      } catch (e) {
        broken = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, n)) }, worker));
  return out;
}

/** Resolve when `promise` does, or reject as soon as `signal` aborts (the promise is left to finish). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
