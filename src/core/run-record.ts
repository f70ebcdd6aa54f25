// run.json on disk: written atomically, read without following links and with a size limit, checked
// field by field (the data dir may be shared by several servers and is not trusted blindly), and
// stamped with its owner so another server can tell a live run from an orphan.
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { lstat, open, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { fail, writingData } from "./errors.ts";
import { pidAlive } from "./runtime/platform.ts";
import type { RunInfo } from "./types.ts";

/** The server instance that runs a run: another server asks whether that process still lives. */
export interface RunOwner {
  instance: string;
  pid: number;
  host: string;
  /** The process's start (platform.ts processStart): tells it from a later one with the same pid. */
  started?: string;
}
export type RunRecord = RunInfo & { owner?: RunOwner };

const MAX_RECORD_BYTES = 4 << 20; // a record lists ref ids and a result of refs: far below this
const STATUSES = ["running", "done", "failed", "cancelled"];
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
/** O_NONBLOCK: a FIFO planted as run.json must not hang the open. */
const READ_FLAGS = constants.O_RDONLY | NO_FOLLOW | (constants.O_NONBLOCK ?? 0);

/** Whose run this is, seen from `me`: ours, another live server's, or an orphan of a dead one. */
export function ownerState(rec: RunRecord, me: RunOwner): "mine" | "live" | "dead" {
  const o = rec.owner;
  if (!o) return "dead"; // written before records named their owner: that server is long gone
  if (o.instance === me.instance) return "mine";
  if (o.host !== me.host) return "live"; // another machine's process: we cannot tell, so never claim it
  return pidAlive(o.pid, o.started) ? "live" : "dead";
}

export async function writeRecord(dir: string, rec: RunRecord, dataDir: string): Promise<void> {
  const file = join(dir, "run.json");
  // A fresh name opened with wx: a link planted at the temporary name is never followed.
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writingData(`the record of run "${rec.run_id}"`, dataDir, async () => {
      const fh = await open(
        tmp,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW,
        0o600,
      );
      try {
        await fh.writeFile(JSON.stringify(rec, null, 2));
      } finally {
        await fh.close();
      }
      await rename(tmp, file);
    });
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

/** Read and check <dir>/run.json; a missing run is NOT_FOUND, anything odd a sentence saying what. */
export async function readRecord(dir: string, runId: string): Promise<RunRecord> {
  const damaged = (why: string): never =>
    fail(
      "CONFLICT",
      `Cannot read run "${runId}": its record ${
        join(dir, "run.json")
      } ${why}; it was not written by swarm-mcp, start the work again`,
    );
  const st = await lstat(dir).catch(() => null);
  if (!st) {
    fail(
      "NOT_FOUND",
      `Cannot find run "${runId}": no run record under that id; call runs to list recent runs`,
    );
  }
  if (!st.isDirectory()) damaged("is not in a directory (the run directory is a link or a file)");
  let fh;
  try {
    fh = await open(join(dir, "run.json"), READ_FLAGS);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOENT") {
      fail(
        "NOT_FOUND",
        `Cannot find run "${runId}": no run record under that id yet; call runs to list recent runs`,
      );
    }
    return damaged(
      code === "ELOOP" || code === "EMLINK"
        ? "is a symbolic link"
        : `cannot be opened (${code ?? e})`,
    );
  }
  let text: string;
  try {
    const info = await fh.stat();
    if (!info.isFile()) damaged("is not a regular file");
    if (info.size > MAX_RECORD_BYTES) {
      damaged(`is ${info.size} bytes, over the ${MAX_RECORD_BYTES} byte limit`);
    }
    text = await fh.readFile("utf8");
  } finally {
    await fh.close();
  }
  let rec: unknown;
  try {
    rec = JSON.parse(text);
  } catch {
    damaged("is not valid JSON");
  }
  const why = invalid(rec, runId);
  if (why) damaged(why);
  return rec as RunRecord;
}

/** What is wrong with a parsed record, or null. Only fields the tools report are checked. */
function invalid(x: unknown, runId: string): string | null {
  if (!x || typeof x !== "object" || Array.isArray(x)) return "is not a JSON object";
  const r = x as Record<string, unknown>;
  const count = (k: string) =>
    typeof r[k] === "number" && Number.isFinite(r[k]) && (r[k] as number) >= 0;
  if (r.run_id !== runId) return "names another run";
  if (typeof r.tool !== "string" || typeof r.started_at !== "string") {
    return "lacks its tool or start time";
  }
  if (!STATUSES.includes(r.status as string)) return "has an unknown status";
  if (!count("done") || !count("total") || !count("failed") || !count("cost_usd")) {
    return "has counts that are not numbers";
  }
  if (!Array.isArray(r.refs) || !r.refs.every((s) => typeof s === "string")) {
    return "has refs that are not a list of ids";
  }
  const e = r.error;
  if (
    e != null &&
    (typeof e !== "object" || typeof (e as { code?: unknown }).code !== "string" ||
      typeof (e as { message?: unknown }).message !== "string")
  ) {
    return "has an error that is not {code, message}";
  }
  const o = r.owner as Record<string, unknown> | undefined;
  if (
    o !== undefined &&
    (!o || typeof o.instance !== "string" || !Number.isInteger(o.pid) ||
      typeof o.host !== "string" || !["string", "undefined"].includes(typeof o.started))
  ) return "has an owner that is not {instance, pid, host, started?}";
  return null;
}
