// Runs: long work under a run id. A call waits at most wait_s, sending progress meanwhile; if the
// work is not done it returns {status:"running", run_id, …} and the work goes on, to be finished
// with wait/status/cancel. Each run keeps a run.json in its directory, so it outlives the process;
// runs of other servers on the same data dir are followed and cancelled by run-foreign.ts.
import { lstat, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { fail, isToolError, writingData } from "./errors.ts";
import { foreignRuns, PROGRESS_EVERY_MS, summary } from "./run-foreign.ts";
import { RUN_ID } from "./refs.ts";
import { count, inRun, joinRun } from "./run-scope.ts";
import {
  ownerState,
  readRecord,
  type RunOwner,
  type RunRecord,
  writeRecord,
} from "./run-record.ts";
import type { Emit } from "./events.ts";
import type { Logger, Ref, RefStore, RunHandle, RunInfo, Runs, ToolContext } from "./types.ts";

const MAX_WAIT_S = 3600;
/** Run directories looked at by runs and by the start-up sweep, newest first. */
const MAX_SCAN = 2000;
const ORPHANED = "The server stopped before this run finished; its finished refs are kept";

interface Live {
  info: RunInfo;
  controller: AbortController;
  settled: Promise<void>;
}

export function createRuns(
  refs: RefStore,
  log: Logger,
  me: RunOwner,
  emit: Emit = () => {},
): Omit<Runs, "cancelAgent"> & {
  abortAll(reason: string): Promise<void>;
  sweep(): Promise<string[]>;
} {
  const live = new Map<string, Live>();
  const persist = (info: RunInfo) =>
    writeRecord(refs.runDir(info.run_id), { ...info, owner: me }, refs.root);

  function checkId(runId: unknown): string {
    if (typeof runId !== "string" || !RUN_ID.test(runId)) {
      const shown = typeof runId === "string"
        ? JSON.stringify(runId.slice(0, 40))
        : `(a ${runId === null ? "null" : typeof runId})`;
      fail(
        "INVALID_INPUT",
        `Cannot find run ${shown}: a run id is 12 lowercase hex characters, as returned in "run_id"`,
      );
    }
    return runId;
  }

  /** The record as the tools report it; an orphan of a dead server is finished on disk on the way. */
  async function load(runId: unknown): Promise<RunRecord> {
    const id = checkId(runId);
    const l = live.get(id);
    if (l) return { ...l.info, owner: me };
    const rec = await readRecord(refs.runDir(id), id);
    if (rec.status === "running" && ownerState(rec, me) === "dead") {
      // Its containers were reaped at start-up; written back so that wait and status end everywhere.
      Object.assign(rec, {
        status: "failed",
        finished_at: new Date().toISOString(),
        error: { code: "CANCELLED", message: ORPHANED },
      });
      await writeRecord(refs.runDir(id), rec, refs.root).catch((e) =>
        log.warn(`cannot finish orphaned run ${id}: ${(e as Error).message}`)
      );
    }
    return rec;
  }

  /** Run ids of the newest run directories (bounded: a data dir may hold years of runs). */
  async function runIds(): Promise<string[]> {
    const names = (await readdir(refs.root).catch(() => [] as string[])).filter((n) =>
      RUN_ID.test(n)
    );
    const dated = await Promise.all(
      names.map(async (n) => ({
        n,
        t: (await lstat(join(refs.root, n)).catch(() => null))?.mtimeMs ?? 0,
      })),
    );
    return dated.sort((a, b) => b.t - a.t).slice(0, MAX_SCAN).map((d) => d.n);
  }

  const foreign = foreignRuns(refs, log, me, load, live);

  /** Wait for a run in the foreground, with progress, until it settles or waitS passes. */
  async function foreground(l: Live, waitS: number, ctx: ToolContext): Promise<unknown> {
    const limit = waitS === Infinity ? waitS : Math.min(Math.max(waitS, 0), MAX_WAIT_S) * 1000;
    const deadline = Date.now() + limit;
    const onAbort = () => l.controller.abort(ctx.signal.reason);
    // An "abort" event never fires for a signal that is already aborted.
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener("abort", onAbort, { once: true });
    try {
      while (l.info.status === "running" && Date.now() < deadline && !ctx.signal.aborted) {
        ctx.progress(l.info.done, l.info.total, summary(l.info));
        const step = Math.min(PROGRESS_EVERY_MS, deadline - Date.now());
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([l.settled, new Promise((r) => (timer = setTimeout(r, step)))]);
        clearTimeout(timer);
      }
      if (ctx.signal.aborted) await l.settled;
      // The last word: a client showing a bar sees it reach the total before the result arrives.
      else if (l.info.status !== "running") {
        ctx.progress(l.info.done, l.info.total, summary(l.info));
      }
    } finally {
      ctx.signal.removeEventListener("abort", onAbort);
    }
    return outcome(l.info);
  }

  function outcome(info: RunInfo): unknown {
    if (info.status === "running") {
      return {
        status: "running",
        run_id: info.run_id,
        done: info.done,
        total: info.total,
        failed: info.failed,
        cost_usd: info.cost_usd,
        refs_so_far: info.refs,
        message: `Still running (${
          summary(info)
        }). Call wait with run_id "${info.run_id}" to get the result; do not start the work again.`,
      };
    }
    if (info.error) fail(info.error.code, info.error.message, { run_id: info.run_id });
    return info.result;
  }

  return {
    async start(tool, ctx, opts, work) {
      // A call cancelled before it started starts nothing (and leaves no run behind).
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (ctx.run) return joinRun(ctx.run, tool, ctx.signal, opts.total, work);
      const run_id = opts.run_id ?? refs.newRunId();
      await writingData(
        `the directory of run "${run_id}"`,
        refs.root,
        () => mkdir(refs.runDir(run_id), { recursive: true, mode: 0o700 }),
      );
      const info: RunInfo = {
        run_id,
        tool,
        status: "running",
        started_at: new Date().toISOString(),
        done: 0,
        total: opts.total,
        failed: 0,
        cost_usd: 0,
        refs: [],
        error: null,
      };
      // Awaited before any work: a data dir that cannot take the record fails the call, cleanly.
      await persist(info);
      emit({ type: "run.started", run_id, tool, total: info.total });
      const controller = new AbortController();
      let dirty = Promise.resolve(true);
      const save = () => (dirty = dirty.then(() => persist(info)).then(() => true, (e) => {
        log.warn(`cannot save run ${run_id}: ${(e as Error)?.message ?? e}`);
        return false;
      }));
      const handle: RunHandle = {
        run_id,
        signal: controller.signal,
        add(ref: Ref) {
          count(info, ref);
          save();
          if (ref.cost_usd != null) emit({ type: "cost", run_id, ref: ref.ref, usd: ref.cost_usd });
          const { done, total, failed, cost_usd } = info;
          emit({ type: "run.progress", run_id, done, total, failed, cost_usd });
        },
        setTotal(total) {
          info.total = total;
        },
        info: () => info,
        agentId: (local) => local,
      };
      const settled = (async () => {
        try {
          info.result = await inRun(handle, work);
          info.status = controller.signal.aborted ? "cancelled" : "done";
        } catch (e) {
          info.status = controller.signal.aborted ? "cancelled" : "failed";
          info.error = isToolError(e)
            ? { code: e.code, message: e.message }
            : controller.signal.aborted
            ? { code: "CANCELLED", message: `Run "${run_id}" was cancelled` }
            : {
              code: "INTERNAL",
              message: `Internal error in ${tool}: ${
                (e as Error)?.message ?? e
              }; see the server log`,
            };
          if (!isToolError(e) && !controller.signal.aborted) {
            log.error(`run ${run_id} (${tool}) crashed: ${(e as Error)?.stack ?? e}`);
          }
        }
        info.finished_at = new Date().toISOString();
        emit({ type: "run.finished", run_id, status: info.status, cost_usd: info.cost_usd });
        // A final record the disk did not take stays in memory, so this server still reports the end.
        if (await save()) live.delete(run_id);
      })();
      const l: Live = { info, controller, settled };
      live.set(run_id, l);
      foreign.watchCancels();
      // A call from another tool's body (not in a run) waits for the end too: it never backgrounds.
      return foreground(l, ctx.nested ? Infinity : opts.wait_s, ctx);
    },

    async wait(runId, waitS, ctx) {
      const l = live.get(checkId(runId));
      if (l) return foreground(l, waitS, ctx);
      const rec = await load(runId);
      return outcome(
        await foreign.follow(
          rec,
          Date.now() + Math.min(Math.max(waitS, 0), MAX_WAIT_S) * 1000,
          ctx,
        ),
      );
    },

    status: (runId) => load(runId),

    async cancel(runId) {
      const l = live.get(checkId(runId));
      if (!l) {
        const rec = await load(runId);
        // Running here means another live server owns it; finished means nothing to stop.
        return rec.status === "running" ? foreign.requestCancel(rec) : rec;
      }
      l.controller.abort(new DOMException(`Run "${runId}" was cancelled`, "AbortError"));
      await l.settled;
      return { ...l.info, owner: me };
    },

    async list(limit = 20) {
      const infos: RunInfo[] = [];
      for (const n of await runIds()) {
        const info = await load(n).catch(() => null);
        if (info) infos.push(info);
      }
      return infos.sort((a, b) => String(b.started_at).localeCompare(String(a.started_at))).slice(
        0,
        limit,
      );
    },

    /** At start-up: finish orphaned runs on disk; returns the runs whose agents no longer run. */
    async sweep() {
      const ended: string[] = [];
      for (const n of await runIds()) {
        const rec = await load(n).catch(() => null);
        if (rec && rec.status !== "running") ended.push(n);
      }
      return ended;
    },

    async abortAll(reason) {
      for (const l of live.values()) l.controller.abort(new DOMException(reason, "AbortError"));
      await Promise.all([...live.values()].map((l) => l.settled));
    },
  };
}
