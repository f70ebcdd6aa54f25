// Long work and its limits: runs (core.runs, RunHandle) and pools (core.pools). Re-exported by
// types.ts, which is what plugins import.
import type { ErrorCode, Logger, ToolContext } from "./types.ts";
import type { Ref } from "./agent-types.ts";

export interface PoolState {
  name: string;
  limit: number;
  running: number;
  waiting: number;
}

export interface Pools {
  /** Take the global slot and every named pool, in one fixed order; abortable; times out. */
  acquire(
    names: string[],
    opts?: { signal?: AbortSignal; timeoutMs?: number },
  ): Promise<Disposable & { release(): void }>;
  state(name: string): PoolState;
  readonly global: string; // the name of the global pool
}

export interface SpawnOptions {
  run_id: string;
  agent_id: string;
  parents?: string[];
  signal: AbortSignal;
  log?: Logger;
  budget_cap?: number;
}

export interface RunInfo {
  run_id: string;
  tool: string;
  status: "running" | "done" | "failed" | "cancelled";
  started_at: string;
  finished_at?: string;
  done: number;
  total: number;
  failed: number;
  cost_usd: number;
  refs: string[];
  result?: unknown;
  error?: { code: ErrorCode; message: string } | null;
  /** What the work says it is doing, shown in progress instead of the agent count: a tool sets
   * it through run.info() ("step 3/5 review"). */
  note?: string;
}

/** A handle for long work: returns within wait_s with either the result or {status:"running"}. */
export interface RunHandle {
  run_id: string;
  signal: AbortSignal;
  /** Report a finished agent (counts toward done/failed/cost and refs_so_far). */
  add(ref: Ref): void;
  setTotal(total: number): void;
  info(): RunInfo;
  /** The agent id to use for `local` ("agent-0"); inside another tool's run it is prefixed
   * ("par-1.agent-0") so that two nested calls never collide in the shared run dir. */
  agentId(local: string): string;
}

export interface Runs {
  /** Start background work under a run id; resolves when it finishes or wait_s passes. Called
   * from a tool that another tool's run called (ctx.run), `work` joins that run instead (its
   * refs, cost, total and signal) and this resolves with the result, never {status:"running"}. */
  start(
    tool: string,
    ctx: ToolContext,
    opts: { wait_s: number; total: number; run_id?: string },
    work: (run: RunHandle) => Promise<unknown>,
  ): Promise<unknown>;
  wait(runId: string, waitS: number, ctx: ToolContext): Promise<unknown>;
  status(runId: string): Promise<RunInfo>;
  cancel(runId: string): Promise<RunInfo>;
  /** Stop one running agent ("<run_id>/<agent_id>") of a run of this server; resolves with its
   * ref, written as cancelled; the rest of the run goes on. */
  cancelAgent(ref: string): Promise<Ref>;
  list(limit?: number): Promise<RunInfo[]>;
}
