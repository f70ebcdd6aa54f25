// Runs: long work under a run id. A call waits at most wait_s, sending progress meanwhile; if the
// work is not done it returns {status:"running", run_id, …} and the work goes on, to be finished
// with wait/status/cancel. Each run keeps a run.json in its directory, so it outlives the process.
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fail, isToolError } from "./errors.ts";
import { roundUsd, RUN_ID } from "./refs.ts";
import type { Logger, Ref, RefStore, RunHandle, RunInfo, Runs, ToolContext } from "./types.ts";

const PROGRESS_EVERY_MS = 3000;
const MAX_WAIT_S = 3600;

interface Live {
  info: RunInfo;
  controller: AbortController;
  settled: Promise<void>;
}

function summary(i: RunInfo): string {
  return `${i.done}/${i.total} agents done${i.failed ? `, ${i.failed} failed` : ""}, $${i.cost_usd.toFixed(2)}`;
}

export function createRuns(refs: RefStore, log: Logger): Runs & { abortAll(reason: string): Promise<void> } {
  const live = new Map<string, Live>();
  const file = (runId: string) => join(refs.runDir(runId), "run.json");

  async function persist(info: RunInfo): Promise<void> {
    const tmp = file(info.run_id) + ".tmp";
    await writeFile(tmp, JSON.stringify(info, null, 2), { mode: 0o600 });
    await rename(tmp, file(info.run_id));
  }

  async function load(runId: string): Promise<RunInfo> {
    if (typeof runId !== "string" || !RUN_ID.test(runId)) {
      fail("INVALID_INPUT", `Cannot find run ${JSON.stringify(String(runId).slice(0, 40))}: a run id is 12 lowercase hex characters, as returned in "run_id"`);
    }
    const l = live.get(runId);
    if (l) return l.info;
    const raw = await readFile(file(runId), "utf8").catch(() => null);
    if (raw === null) fail("NOT_FOUND", `Cannot find run "${runId}": no run record under that id; call runs to list recent runs`);
    const info = JSON.parse(raw) as RunInfo;
    if (info.status === "running") {
      // The process that ran it is gone (its containers were reaped at start-up).
      info.status = "failed";
      info.error = { code: "CANCELLED", message: "The server stopped before this run finished; its finished refs are kept" };
    }
    return info;
  }

  /** Wait for a run in the foreground, with progress, until it settles or waitS passes. */
  async function foreground(l: Live, waitS: number, ctx: ToolContext): Promise<unknown> {
    const limit = Math.min(Math.max(waitS, 0), MAX_WAIT_S) * 1000;
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
    } finally {
      ctx.signal.removeEventListener("abort", onAbort);
    }
    return outcome(l.info);
  }

  function outcome(info: RunInfo): unknown {
    if (info.status === "running") {
      return {
        status: "running", run_id: info.run_id, done: info.done, total: info.total, failed: info.failed,
        cost_usd: info.cost_usd, refs_so_far: info.refs,
        message: `Still running (${summary(info)}). Call wait with run_id "${info.run_id}" to get the result; do not start the work again.`,
      };
    }
    if (info.error) fail(info.error.code, info.error.message, { run_id: info.run_id });
    return info.result;
  }

  return {
    async start(tool, ctx, opts, work) {
      // A call cancelled before it started starts nothing (and leaves no run behind).
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const run_id = opts.run_id ?? refs.newRunId();
      await mkdir(refs.runDir(run_id), { recursive: true, mode: 0o700 });
      const info: RunInfo = {
        run_id, tool, status: "running", started_at: new Date().toISOString(),
        done: 0, total: opts.total, failed: 0, cost_usd: 0, refs: [], error: null,
      };
      const controller = new AbortController();
      let dirty: Promise<void> = persist(info);
      const save = () => (dirty = dirty.then(() => persist(info)).catch((e) => log.warn(`cannot save run ${run_id}: ${e}`)));
      const handle: RunHandle = {
        run_id,
        signal: controller.signal,
        add(ref: Ref) {
          info.done++;
          if (ref.status !== "ok") info.failed++;
          info.cost_usd = roundUsd(info.cost_usd + (ref.cost_usd ?? 0));
          info.refs.push(ref.ref);
          save();
        },
        setTotal(total) {
          info.total = total;
        },
        info: () => info,
      };
      const settled = (async () => {
        try {
          info.result = await work(handle);
          info.status = controller.signal.aborted ? "cancelled" : "done";
        } catch (e) {
          info.status = controller.signal.aborted ? "cancelled" : "failed";
          info.error = isToolError(e)
            ? { code: e.code, message: e.message }
            : controller.signal.aborted
            ? { code: "CANCELLED", message: `Run "${run_id}" was cancelled` }
            : { code: "INTERNAL", message: `Internal error in ${tool}: ${(e as Error)?.message ?? e}; see the server log` };
          if (!isToolError(e) && !controller.signal.aborted) log.error(`run ${run_id} (${tool}) crashed: ${(e as Error)?.stack ?? e}`);
        }
        info.finished_at = new Date().toISOString();
        await save();
        live.delete(run_id);
      })();
      const l: Live = { info, controller, settled };
      live.set(run_id, l);
      return foreground(l, opts.wait_s, ctx);
    },

    async wait(runId, waitS, ctx) {
      const l = live.get(runId);
      if (l) return foreground(l, waitS, ctx);
      return outcome(await load(runId));
    },

    status: (runId) => load(runId),

    async cancel(runId) {
      const l = live.get(runId);
      if (!l) {
        const info = await load(runId);
        return info; // already finished: nothing to stop
      }
      l.controller.abort(new DOMException(`Run "${runId}" was cancelled`, "AbortError"));
      await l.settled;
      return l.info;
    },

    async list(limit = 20) {
      const names = (await readdir(refs.root).catch(() => [] as string[])).filter((n) => RUN_ID.test(n));
      const infos: RunInfo[] = [];
      for (const n of names) {
        const info = await load(n).catch(() => null);
        if (info) infos.push(info);
      }
      return infos.sort((a, b) => b.started_at.localeCompare(a.started_at)).slice(0, limit);
    },

    async abortAll(reason) {
      for (const l of live.values()) l.controller.abort(new DOMException(reason, "AbortError"));
      await Promise.all([...live.values()].map((l) => l.settled));
    },
  };
}

