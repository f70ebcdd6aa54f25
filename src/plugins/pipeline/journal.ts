// The pipeline's journal, <run dir>/pipeline.json: the result so far (trace, cost, status) and the
// run whose /shared it uses, written after every step. A resume reads it, even after the server
// died mid-run; the run's own record keeps the final result for status and wait. The reference
// lost its result and resumed from step 0 without history.
import { lstat, mkdir, rename } from "node:fs/promises";
import { join } from "node:path";
import type { Core, Ref, RefStatus } from "../../core/types.ts";
import { STEP_ID } from "./definition.ts";

export type PipelineStatus =
  | "running"
  | "done"
  | "broken"
  | "cancelled"
  | "budget_exhausted"
  | "deadline_exceeded";

export interface TraceEntry {
  step_id: string;
  agent_id: string | null;
  ref: string | null;
  status: RefStatus | "skipped";
  cost_usd: number | null;
  duration_seconds: number;
  /** The step jumped to (on_fail, next, retry_if) or "$stop"; null when going on in order. */
  jumped_to: string | null;
  reason: string | null;
}

export interface PipelineResult {
  run_id: string;
  name: string;
  status: PipelineStatus;
  steps_executed: number;
  total_steps: number;
  final: Ref | null;
  trace: TraceEntry[];
  total_cost_usd: number;
  total_duration_seconds: number;
  budget: { limit: number; spent: number } | null;
  deadline_met: boolean | null;
  reason?: string;
  /** "<run_id>" or "<run_id>/<step_id>"; the first `restored_steps` trace entries are that run's. */
  resumed_from?: string;
  restored_steps?: number;
}

/** Where /shared lives: a directory in some run's dir (an earlier one after a resume). */
export interface SharedDir {
  run_id: string;
  dir: string;
}

export interface Journal {
  version: 1;
  shared: SharedDir;
  result: PipelineResult;
}

const FILE = "pipeline.json";
const MAX_BYTES = 4 << 20;
const RUN_ID = /^[0-9a-f]{12}$/;
const DIR = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;

export const journalFile = (core: Core, runId: string) => join(core.refs.runDir(runId), FILE);

/** Replaced atomically: a server that dies while writing leaves the previous journal whole. */
export async function writeJournal(core: Core, journal: Journal): Promise<void> {
  const file = journalFile(core, journal.result.run_id);
  await core.fs.writeNoFollow(`${file}.tmp`, JSON.stringify(journal));
  await rename(`${file}.tmp`, file);
}

/** The journal of an earlier run, checked: the data dir may be shared and is not trusted blindly. */
export async function readJournal(core: Core, runId: string): Promise<Journal> {
  const file = journalFile(core, runId);
  const r = await core.fs.readNoFollow(file, MAX_BYTES + 1);
  if (r.skipped === "missing") {
    core.fail(
      "NOT_FOUND",
      `Cannot resume "${runId}": that run has no pipeline journal; resume a run the pipeline tool started (call runs to list them)`,
    );
  }
  const damaged = (why: string): never =>
    core.fail(
      "CONFLICT",
      `Cannot resume "${runId}": its journal ${file} ${why}; start the pipeline again`,
    );
  if (r.skipped) damaged(`is ${r.skipped}`);
  if (r.truncated) damaged("is over 4 MiB");
  let j: Journal;
  try {
    j = JSON.parse(r.text);
  } catch {
    return damaged("is not valid JSON");
  }
  const okEntry = (e: TraceEntry) =>
    !!e && typeof e === "object" && typeof e.step_id === "string" && typeof e.status === "string" &&
    (e.ref === null || typeof e.ref === "string") &&
    (e.jumped_to === null || typeof e.jumped_to === "string") &&
    (e.reason === null || typeof e.reason === "string");
  if (
    j?.version !== 1 || !RUN_ID.test(String(j.shared?.run_id)) ||
    !DIR.test(String(j.shared?.dir)) ||
    j.result?.run_id !== runId || !Array.isArray(j.result.trace) || !j.result.trace.every(okEntry)
  ) damaged("is not a pipeline journal swarm-mcp wrote");
  return j;
}

/** The trace a resume at `stepId` starts with: what ran before that step first ran (all of it
 * when it never ran). Resuming from the first step starts afresh. */
export function restoredTrace(j: Journal, stepId: string | undefined): TraceEntry[] {
  if (stepId === undefined) return [];
  const at = j.result.trace.findIndex((e) => e.step_id === stepId && e.status !== "skipped");
  return at < 0 ? j.result.trace : j.result.trace.slice(0, at);
}

/** The /shared dir on the host: made (0700) for a new run, reused (a real directory, never a
 * link) on a resume. */
export async function sharedPath(core: Core, shared: SharedDir, create: boolean): Promise<string> {
  const path = join(core.refs.runDir(shared.run_id), shared.dir);
  if (create) {
    await mkdir(path, { mode: 0o700 });
    return path;
  }
  const st = await lstat(path).catch(() => null);
  if (!st?.isDirectory()) {
    core.fail(
      "CONFLICT",
      `Cannot resume with the shared directory of run "${shared.run_id}": ${path} is ${
        st ? "not a directory" : "missing"
      }; resume from the first step or start the pipeline again`,
    );
  }
  return path;
}

/** "<run_id>" or "<run_id>/<step_id>", checked. */
export function parseResume(core: Core, resume: string): { run_id: string; step?: string } {
  const m = /^([^/]*)(?:\/(.*))?$/.exec(resume);
  if (!m || !RUN_ID.test(m[1]!) || (m[2] !== undefined && !STEP_ID.test(m[2]))) {
    core.fail(
      "INVALID_INPUT",
      `Cannot resume ${
        JSON.stringify(resume.slice(0, 80))
      }: give "<run_id>" (12 hex characters) or "<run_id>/<step_id>"; copy the run_id of a pipeline result`,
    );
  }
  return { run_id: m[1]!, step: m[2] };
}
