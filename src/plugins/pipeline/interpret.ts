// The step machine: one agent per step, in order unless on_fail / next / retry_if jump; budget,
// deadline and cancellation checked before each step. Jumps into a step are counted against that
// step's max_retries exactly (the reference let a fix step run max_retries - 1 times), and an
// exhausted retry_if falls through to next (the reference looped forever there).
import type { Core, Ref, RunHandle, SandboxSpec, Stamps } from "../../core/types.ts";
import { typedPrompt } from "../combinators/_common.ts";
import { type Definition, type Step, STOP } from "./definition.ts";
import type { PipelineResult, PipelineStatus, TraceEntry } from "./journal.ts";

/** Context and error handed to the next step inline; bigger things go through /shared. */
const MAX_CONTEXT = 64 * 1024;
const MAX_ERROR = 8 * 1024;
/** How much of a step's output retry_if searches. */
const MAX_SEARCH = 1024 * 1024;
export const INPUT_CODES = new Set(["INVALID_INPUT", "NOT_FOUND", "FORBIDDEN", "TOO_LARGE"]);
const round = (x: number, d = 6) => Math.round(x * 10 ** d) / 10 ** d;
const usd = (x: number) => `$${x.toFixed(2)}`;

export interface Start {
  index: number;
  restored: TraceEntry[];
  resumed_from?: string;
}

export interface Hooks {
  /** Run one agent with /shared bound (the plugin's prepare hook). */
  spawn(
    spec: SandboxSpec,
    prompt: string,
    agentId: string,
    parents: string[],
    cap?: number,
  ): Promise<Ref>;
  /** After every step: the journal. */
  save(result: PipelineResult): Promise<void>;
  /** The definition's classification, stamped on each step's ref. */
  classify?(ref: string): Promise<void>;
}

export async function interpret(
  core: Core,
  run: RunHandle,
  def: Definition,
  start: Start,
  hooks: Hooks,
): Promise<PipelineResult> {
  const t0 = Date.now();
  const deadline = def.deadline_seconds === undefined ? Infinity : t0 + def.deadline_seconds * 1000;
  const trace = [...start.restored];
  const entered = new Map<string, number>();
  for (const e of trace) if (e.jumped_to && e.jumped_to !== STOP) bump(entered, e.jumped_to);
  const runs = new Map<string, number>();
  let prev = [...trace].reverse().find((e) => e.status !== "skipped");
  let final: Ref | null = null;
  let spent = 0;
  let executed = 0;
  let status: PipelineStatus = "running";
  let reason: string | undefined;
  const index = new Map(def.steps.map((s, i) => [s.id, i]));

  const result = (): PipelineResult => ({
    run_id: run.run_id,
    name: def.name,
    status,
    steps_executed: executed,
    total_steps: def.steps.length,
    final,
    trace,
    total_cost_usd: round(spent),
    total_duration_seconds: round((Date.now() - t0) / 1000, 2),
    budget: def.budget === undefined ? null : { limit: def.budget, spent: round(spent) },
    deadline_met: def.deadline_seconds === undefined
      ? null
      : status !== "deadline_exceeded" && Date.now() <= deadline,
    ...(reason ? { reason } : {}),
    ...(start.resumed_from
      ? { resumed_from: start.resumed_from, restored_steps: start.restored.length }
      : {}),
  });
  const end = (s: PipelineStatus, why?: string) => ((status = s), (reason = why));
  /** A failure that used up the money or the time says so rather than "broken". */
  const broken = (why: string) => {
    if (Date.now() >= deadline) end("deadline_exceeded", `${why} (the deadline passed)`);
    else if (def.budget !== undefined && spent >= def.budget) {
      end("budget_exhausted", `${why} (spent ${usd(spent)} of ${usd(def.budget)})`);
    } else end("broken", why);
  };

  await hooks.save(result()); // a resume finds the run even if the server dies in its first step
  let i = start.index;
  while (status === "running") {
    if (i >= def.steps.length) {
      end("done");
      break;
    }
    const step = def.steps[i]!;
    if (run.signal.aborted) {
      end("cancelled", `Cancelled before step "${step.id}"`);
      break;
    }
    if (step.condition === "prev.error" && (!prev || prev.status === "ok")) {
      trace.push(
        entry(step, null, null, "skipped", "condition prev.error: the previous step did not fail"),
      );
      i++;
      continue;
    }
    if (def.budget !== undefined && spent >= def.budget) {
      end("budget_exhausted", `Spent ${usd(spent)} of ${usd(def.budget)} before step "${step.id}"`);
      break;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      end(
        "deadline_exceeded",
        `The deadline of ${def.deadline_seconds}s passed before step "${step.id}"`,
      );
      break;
    }
    run.info().note = `step ${i + 1}/${def.steps.length} ${step.id}`;
    const n = bump(runs, step.id);
    run.setTotal(Math.max(run.info().total, run.info().done + 1));
    const spec = left === Infinity
      ? step.spec
      : { ...step.spec, timeout: Math.max(1, Math.min(step.spec.timeout, Math.ceil(left / 1000))) };
    const context = await withContext(core, step, prev);
    if (typeof context !== "string") {
      broken(context.refused);
      break;
    }
    const prompt = typedPrompt(core, spec, context);
    const cap = def.budget === undefined ? undefined : round(def.budget - spent);
    const ref = await hooks.spawn(
      spec,
      prompt,
      `${step.id}.${n}`,
      prev?.ref ? [prev.ref] : [],
      cap,
    );
    executed++;
    spent += ref.cost_usd ?? 0;
    final = ref;
    await hooks.classify?.(ref.ref);
    const e = entry(
      step,
      ref.agent_id,
      ref.ref,
      ref.status,
      null,
      ref.cost_usd,
      ref.duration_seconds,
    );
    trace.push(e);
    prev = e;
    if (run.signal.aborted) {
      end("cancelled", `Cancelled during step "${step.id}"`);
    } else {
      const to = await route(core, step, ref, entered, def, e);
      if (to === undefined) i++;
      else if (to === STOP) ref.status === "ok" ? end("done") : broken(e.reason!);
      else if (typeof to === "string") i = index.get(to)!;
      else broken(to.broken);
    }
    await hooks.save(result());
  }
  delete run.info().note;
  return result();
}

/** Where a finished step goes: undefined (the next in order), a step id, STOP, or a failure that
 * ends the run. Sets the entry's jumped_to and reason. */
async function route(
  core: Core,
  step: Step,
  ref: Ref,
  entered: Map<string, number>,
  def: Definition,
  e: TraceEntry,
): Promise<string | undefined | { broken: string }> {
  const byId = (id: string) => def.steps.find((s) => s.id === id)!;
  /** A jump into `to`, if its max_retries allows one more entry. */
  const jump = (to: string, why: string): string | null => {
    if (to !== STOP) {
      const max = byId(to).max_retries;
      if ((entered.get(to) ?? 0) >= max) return null;
      bump(entered, to);
    }
    e.jumped_to = to;
    e.reason = why;
    return to;
  };
  const full = (to: string) =>
    `"${to}" was entered ${entered.get(to) ?? 0} time(s) (max_retries ${byId(to).max_retries})`;
  if (ref.status !== "ok") {
    const err = oneLine(ref.error ?? ref.status);
    if (step.on_fail === undefined) {
      return { broken: e.reason = `Step "${step.id}" failed: ${err}` };
    }
    if (step.on_fail === STOP) return jump(STOP, `Step "${step.id}" failed: ${err}`)!;
    return jump(step.on_fail, `on_fail after: ${err}`) ??
      { broken: e.reason = `Step "${step.id}" failed and on_fail ${full(step.on_fail)}: ${err}` };
  }
  if (step.retry_if.length) {
    const text =
      (await core.refs.read(ref.ref, "text", { maxBytes: MAX_SEARCH, display: true })).text;
    const hit = step.retry_if.find(([, kw]) => text.includes(kw));
    if (hit) {
      const taken = jump(hit[0], `retry_if "${hit[1]}"`);
      if (taken) return taken;
      e.reason = `retry_if "${hit[1]}" matched but ${full(hit[0])}; going on`;
    }
  }
  if (step.next === undefined) return undefined;
  return jump(step.next, e.reason ? `${e.reason}; next` : "next") ??
    { broken: e.reason = `Step "${step.id}" is done but next ${full(step.next)}` };
}

/** The step's prompt with the previous step's output and error, each bounded; refused when that
 * output is encrypted (SWARM_ENCRYPT_ALL, or encrypted before a resume): neither its ciphertext
 * nor a stand-in that leaves the step working blind goes in. */
async function withContext(
  core: Core,
  step: Step,
  prev: TraceEntry | undefined,
): Promise<string | { refused: string }> {
  const prompt = step.prompt;
  if (!prev?.ref) return prompt;
  const enc = (await core.refs.stamps(prev.ref).catch(() => ({}) as Stamps)).encryption;
  if (enc) {
    return {
      refused:
        `Step "${step.id}" cannot start: its context, the output of "${prev.ref}", is encrypted (key_id ${enc.key_id}), and an encrypted output never goes into another agent's prompt; decrypt it and pass what the step needs in its prompt or through /shared`,
    };
  }
  const rec = await core.refs.get(prev.ref).catch(() => null);
  const text = await core.refs.read(prev.ref, "text", { maxBytes: MAX_CONTEXT, display: true })
    .catch(() => null);
  let out = prompt;
  if (text?.text) {
    const cut = text.truncated
      ? `\n… (cut at ${MAX_CONTEXT} of ${text.size} bytes; pass big results through /shared)`
      : "";
    out += `\n\n# Context from previous step (${prev.step_id}):\n${text.text}${cut}`;
  }
  const err = rec?.error ?? (prev.status === "ok" ? null : prev.reason);
  if (err) out += `\n\n# Error from previous step (${prev.step_id}):\n${err.slice(0, MAX_ERROR)}`;
  return out;
}

function entry(
  step: Step,
  agent_id: string | null,
  ref: string | null,
  status: TraceEntry["status"],
  reason: string | null,
  cost_usd: number | null = null,
  duration_seconds = 0,
): TraceEntry {
  return {
    step_id: step.id,
    agent_id,
    ref,
    status,
    cost_usd,
    duration_seconds,
    jumped_to: null,
    reason,
  };
}

function bump(m: Map<string, number>, k: string): number {
  const n = (m.get(k) ?? 0) + 1;
  m.set(k, n);
  return n;
}

const oneLine = (s: string) => s.replace(/\s+/g, " ").slice(0, 300);
