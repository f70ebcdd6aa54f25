// Runs shared by several servers on one data dir (two Claude Code windows): a run belongs to the
// instance named in its record; the others follow it by re-reading its record and cancel it by
// leaving a `cancel` file in its directory, which the owner looks for every second.
import { constants } from "node:fs";
import { lstat, open } from "node:fs/promises";
import { join } from "node:path";
import { fail, writingData } from "./errors.ts";
import type { RunOwner, RunRecord } from "./run-record.ts";
import type { Logger, RefStore, RunInfo, ToolContext } from "./types.ts";

export const PROGRESS_EVERY_MS = 3000;
const CANCEL_POLL_MS = 1000;
const FOREIGN_POLL_MS = 500;
const FOREIGN_CANCEL_MS = 10_000;

/** "3/5 agents done, 1 failed, $0.12": what progress and a running result say. */
export function summary(i: RunInfo): string {
  const counts = `${i.done}/${i.total} agents done${i.failed ? `, ${i.failed} failed` : ""}`;
  return `${i.note ?? counts}, $${i.cost_usd.toFixed(2)}`;
}

export function foreignRuns(
  refs: RefStore,
  log: Logger,
  me: RunOwner,
  load: (runId: string) => Promise<RunRecord>,
  live: Map<string, { controller: AbortController }>,
) {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** Follow a run another live server owns by re-reading its record, until it ends or the deadline. */
  async function follow(rec: RunRecord, deadline: number, ctx?: ToolContext): Promise<RunRecord> {
    let last = 0;
    while (rec.status === "running" && Date.now() < deadline && !ctx?.signal.aborted) {
      if (ctx && Date.now() - last >= PROGRESS_EVERY_MS) {
        last = Date.now();
        ctx.progress(
          rec.done,
          rec.total,
          `${summary(rec)} (run by server pid ${rec.owner?.pid} on ${rec.owner?.host})`,
        );
      }
      await sleep(Math.min(FOREIGN_POLL_MS, Math.max(deadline - Date.now(), 0)));
      rec = await load(rec.run_id);
    }
    return rec;
  }

  // The owner's side of a cancel from another server: one lstat per live run per second.
  let watcher: ReturnType<typeof setInterval> | undefined;
  function watchCancels(): void {
    watcher ??= setInterval(() => {
      if (live.size === 0) {
        clearInterval(watcher);
        watcher = undefined;
        return;
      }
      for (const [id, l] of live) {
        lstat(join(refs.runDir(id), "cancel")).then(() => {
          if (!l.controller.signal.aborted) {
            log.info(`run ${id}: cancelled by another swarm-mcp instance`);
          }
          l.controller.abort(new DOMException(`Run "${id}" was cancelled`, "AbortError"));
        }, () => {});
      }
    }, CANCEL_POLL_MS);
    (watcher as { unref?: () => void }).unref?.();
  }

  async function requestCancel(rec: RunRecord): Promise<RunRecord> {
    const file = join(refs.runDir(rec.run_id), "cancel");
    await writingData(`a cancel request for run "${rec.run_id}"`, refs.root, async () => {
      const fh = await open(
        file,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0),
        0o600,
      ).catch((e) => {
        if ((e as { code?: string }).code === "EEXIST") return null; // asked already
        throw e;
      });
      await fh?.writeFile(JSON.stringify({ by: me, at: new Date().toISOString() }));
      await fh?.close();
    });
    const after = await follow(rec, Date.now() + FOREIGN_CANCEL_MS);
    if (after.status === "running") {
      fail(
        "CONFLICT",
        `Cannot cancel run "${rec.run_id}": its server (pid ${after.owner?.pid} on ${after.owner?.host}) did not stop it within ${
          FOREIGN_CANCEL_MS / 1000
        } s; call status later or stop that server`,
      );
    }
    return after;
  }

  return { follow, watchCancels, requestCancel };
}
