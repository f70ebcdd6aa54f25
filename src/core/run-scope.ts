// One run for a whole composition: a tool that another tool's run calls (ctx.call) works inside
// that run. Its agents, cost and total count there, the run's cancel stops them, and its result
// comes back directly: only the outermost call is governed by wait_s. The run a piece of work
// belongs to travels in an AsyncLocalStorage (node:async_hooks: Bun and Deno have it too), which
// ctx.call reads.
import { AsyncLocalStorage } from "node:async_hooks";
import { fail } from "./errors.ts";
import { AGENT_ID } from "./ref-ids.ts";
import { roundUsd } from "./refs.ts";
import type { Ref, RunHandle, RunInfo } from "./types.ts";

const current = new AsyncLocalStorage<RunHandle>();
/** Nested calls made so far in each run handle: they number the agent id prefixes. */
const nestedCalls = new WeakMap<RunHandle, number>();

/** The run whose work is executing now, if any. */
export const activeRun = (): RunHandle | undefined => current.getStore();

/** Run `work` with `run` as the active run, so that its ctx.calls join it. */
export const inRun = <T>(run: RunHandle, work: (run: RunHandle) => Promise<T>): Promise<T> =>
  current.run(run, () => work(run));

/** Counts one finished agent into a run's record. */
export function count(info: RunInfo, ref: Ref): void {
  info.done++;
  if (ref.status !== "ok") info.failed++;
  info.cost_usd = roundUsd(info.cost_usd + (ref.cost_usd ?? 0));
  info.refs.push(ref.ref);
}

/** Do `work` as part of `parent`: its own counts (for its result and budget) are also the
 * parent's; its agent ids get a prefix naming the call ("par-2.agent-0"). */
export function joinRun<T>(
  parent: RunHandle,
  tool: string,
  signal: AbortSignal,
  total: number,
  work: (run: RunHandle) => Promise<T>,
): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  const n = (nestedCalls.get(parent) ?? 0) + 1;
  nestedCalls.set(parent, n);
  const prefix = `${tool.slice(0, 16)}-${n}.`;
  const info: RunInfo = {
    run_id: parent.run_id,
    tool,
    status: "running",
    started_at: new Date().toISOString(),
    done: 0,
    total,
    failed: 0,
    cost_usd: 0,
    refs: [],
    error: null,
  };
  parent.setTotal(parent.info().total + total);
  const run: RunHandle = {
    run_id: parent.run_id,
    // An explicit signal (race's per-task one) stops this call only; the run's stops all.
    signal: signal === parent.signal ? signal : AbortSignal.any([parent.signal, signal]),
    add(ref) {
      count(info, ref);
      parent.add(ref);
    },
    setTotal(t) {
      parent.setTotal(parent.info().total + t - info.total);
      info.total = t;
    },
    info: () => info,
    agentId(local) {
      const id = parent.agentId(prefix + local);
      if (!AGENT_ID.test(id)) {
        fail(
          "INVALID_INPUT",
          `Cannot name agent "${id}" in run "${run.run_id}": nested calls make ids over 64 characters; nest fewer tool calls`,
        );
      }
      return id;
    },
  };
  return inRun(run, work);
}
