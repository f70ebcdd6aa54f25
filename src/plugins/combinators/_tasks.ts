// What the many-agent combinators share: parsing task lists, layering sandbox fields, starting one
// task so that its input errors, the budget and cancellation become refs (never a crash of the
// whole call), a bounded scheduler, and the run totals every result carries.
import type { Core, Ref, RefStatus, RunHandle, SandboxSpec } from "../../core/types.ts";
import { agent, MAX_PROMPT, splitArgs } from "./_common.ts";

export const MAX_TASKS = 1000;

/** Errors caused by one task's own arguments: they fail that task, not the call. */
const TASK_INPUT_CODES = new Set(["INVALID_INPUT", "NOT_FOUND", "FORBIDDEN", "TOO_LARGE"]);

export const round = (x: number, digits = 6) => Math.round(x * 10 ** digits) / 10 ** digits;
const usd = (x: number) => `$${round(x, 4)}`;

/** A list given as a JSON array, as a JSON string of one, or (for composing) a result with "results". */
export function parseList(core: Core, field: string, raw: unknown, max = MAX_TASKS): unknown[] {
  let value = raw;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch (e) {
      core.fail(
        "INVALID_INPUT",
        `Cannot parse "${field}" as JSON: ${
          (e as Error).message
        }; pass a list, or a JSON array string`,
      );
    }
  }
  if (
    value && typeof value === "object" && !Array.isArray(value) &&
    Array.isArray((value as { results?: unknown }).results)
  ) {
    value = (value as { results: unknown[] }).results;
  }
  if (!Array.isArray(value)) {
    core.fail(
      "INVALID_INPUT",
      `Cannot use "${field}": expected a list, got ${value === null ? "null" : typeof value}`,
    );
  }
  if (value.length === 0) {
    core.fail("INVALID_INPUT", `Cannot use "${field}": the list is empty; give at least one item`);
  }
  if (value.length > max) {
    core.fail(
      "TOO_LARGE",
      `Cannot use "${field}": ${value.length} items is over the limit of ${max}; split the work into several calls`,
    );
  }
  return value;
}

export interface TaskSpec {
  prompt: string;
  sandbox?: unknown;
  fields: Record<string, unknown>;
}

/** Tasks are checked for shape up front (nothing has started yet); their field values per task. */
export function parseTasks(core: Core, field: string, raw: unknown): TaskSpec[] {
  const known = new Set(["sandbox", ...core.sandboxes.fields().map((f) => f.name)]);
  return parseList(core, field, raw).map((t, i) => {
    if (!t || typeof t !== "object" || Array.isArray(t)) {
      core.fail(
        "INVALID_INPUT",
        `Cannot use ${field}[${i}]: each item must be an object like {"prompt": "…"}`,
      );
    }
    const { prompt, sandbox, ...rest } = t as Record<string, unknown>;
    if (typeof prompt !== "string" || prompt.trim() === "") {
      core.fail("INVALID_INPUT", `Cannot use ${field}[${i}]: it needs a non-empty "prompt" string`);
    }
    if (prompt.length > MAX_PROMPT) {
      core.fail(
        "TOO_LARGE",
        `Cannot use ${field}[${i}]: its prompt is over 1 MiB; put large inputs in files and mount them`,
      );
    }
    const unknown = Object.keys(rest).filter((k) => !known.has(k));
    if (unknown.length) {
      core.fail(
        "INVALID_INPUT",
        `Cannot use ${field}[${i}]: unknown field "${
          unknown[0]
        }"; a task takes "prompt", "sandbox" and the sandbox fields (${
          [...known].filter((k) => k !== "sandbox").join(", ")
        })`,
      );
    }
    const fields = Object.fromEntries(
      Object.entries(rest).filter(([, x]) => x !== undefined && x !== null),
    );
    return { prompt, sandbox: sandbox ?? undefined, fields };
  });
}

/**
 * The spec for one task: built-in defaults < the call's sandbox < the call's fields < the task's
 * sandbox < the task's fields. Fields nobody gave never override anything.
 */
export async function taskSpec(
  core: Core,
  top: Top,
  task: TaskSpec,
  where: string,
): Promise<SandboxSpec> {
  // Field values are judged by resolve (each field's own check); the sandbox's shape here.
  let layer: Record<string, unknown> = {};
  const s = task.sandbox;
  if (
    s !== undefined && typeof s !== "string" && (!s || typeof s !== "object" || Array.isArray(s))
  ) {
    core.fail("INVALID_INPUT", `Cannot use ${where}.sandbox: expected a saved spec name or object`);
  }
  if (typeof s === "string" && s.trim() !== "" && !s.trim().startsWith("{")) {
    layer = await core.sandboxes.load(s.trim());
  } else if (typeof s === "string" && s.trim() !== "") {
    try {
      layer = JSON.parse(s);
    } catch (e) {
      core.fail("INVALID_INPUT", `Cannot parse ${where}.sandbox as JSON: ${(e as Error).message}`);
    }
  } else if (s && typeof s === "object") layer = s as Record<string, unknown>;
  return core.sandboxes.resolve(top.sandbox, { ...top.overrides, ...layer, ...task.fields });
}

type Top = { sandbox: unknown; overrides: Record<string, unknown> };

/** The start of every tool that takes a task list: split the arguments, read the list, and check
 * the call-level sandbox so a bad field fails the call before anything starts. */
export async function taskCall(
  core: Core,
  args: Record<string, unknown>,
  own: string[],
  field: string,
): Promise<{ top: Top; tasks: TaskSpec[]; rest: Record<string, unknown> }> {
  const { sandbox, overrides, rest } = splitArgs(args, own);
  const tasks = parseTasks(core, field, rest[field]);
  await core.sandboxes.resolve(sandbox, overrides);
  return { top: { sandbox, overrides }, tasks, rest };
}

/** runTask's spec for item i of a task list. A task with nothing of its own has only the call's
 * fields, so its input errors are the call's and fail it (callLevel). */
export function listedSpec(
  core: Core,
  top: Top,
  task: TaskSpec,
  where: string,
): Pick<TaskRun, "spec" | "callLevel"> {
  return {
    spec: () => taskSpec(core, top, task, where),
    callLevel: task.sandbox === undefined && Object.keys(task.fields).length === 0,
  };
}

/** Spending for one call: no agent starts once spent ≥ limit, and each agent is capped at what is left. */
export class Budget {
  readonly notStarted: string[] = [];
  constructor(readonly limit: number | undefined, private readonly run: RunHandle) {}
  spent(): number {
    return this.run.info().cost_usd;
  }
  exhausted(): boolean {
    return this.limit !== undefined && this.spent() >= this.limit;
  }
  cap(): number | undefined {
    return this.limit === undefined ? undefined : Math.max(0, round(this.limit - this.spent()));
  }
  message(): string {
    return `Not started: the budget of ${usd(this.limit ?? 0)} is spent (${
      usd(this.spent())
    } so far); raise "budget" to run it`;
  }
  report(): { limit: number; spent: number; stopped: boolean; not_started: string[] } | undefined {
    if (this.limit === undefined) return undefined;
    return {
      limit: this.limit,
      spent: round(this.spent()),
      stopped: this.notStarted.length > 0,
      not_started: this.notStarted,
    };
  }
}

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
  if (signal.aborted) {
    return placeholder(
      core,
      run,
      t.agentId,
      "cancelled",
      t.abortReason?.() ?? "Cancelled before the agent started",
      t.parents,
    );
  }
  if (t.budget?.exhausted()) {
    t.budget.notStarted.push(t.agentId);
    return placeholder(core, run, t.agentId, "cancelled", t.budget.message(), t.parents);
  }
  try {
    const spec = await t.spec();
    return await agent(core, run, spec, t.prompt, t.agentId, {
      parents: t.parents,
      budget_cap: t.budget?.cap(),
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
  }
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

/** Resolve when `promise` does, or reject as soon as `signal` aborts (the promise is left to finish). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

export function concurrencyField(core: Core) {
  const { v } = core;
  return v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(1),
      v.maxValue(100),
      v.description(
        "Most agents at once for this call (default 5)",
      ),
    ),
    5,
  );
}

export function budgetField(core: Core) {
  const { v } = core;
  return v.optional(
    v.pipe(
      v.number(),
      v.minValue(0),
      v.description(
        "USD limit for the call: no agent starts once it is spent, each is capped at what is left",
      ),
    ),
  );
}

export function tasksField(core: Core, what: string) {
  const { v } = core;
  return v.pipe(
    v.union([v.array(v.unknown()), v.string()]),
    v.description(
      `${what}: [{"prompt": "…", "sandbox"?, …sandbox fields}] (or its JSON); the call's fields are each item's defaults`,
    ),
  );
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
