// RefStore: the record of each finished agent (result.json), provenance, and server-held stamps.
// Ids and the agent dir's inventory are in ref-ids.ts, reading its content in ref-content.ts.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { lstat, mkdir, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { StartupError } from "./loader.ts";
import { callerIds } from "./runtime/platform.ts";
import { type Opened, openRegular, readNoFollow } from "./safe-fs.ts";
import { fail, writingData } from "./errors.ts";
import { createContentReader, hashFile } from "./ref-content.ts";
import { createSeal } from "./ref-seal.ts";
import {
  AGENT_FILES,
  agentPaths,
  checkAgentId,
  isFileName,
  parseRefId,
  RUN_ID,
} from "./ref-ids.ts";
import type { AgentPaths, Json, Ref, RefRecord, RefStore } from "./types.ts";

export { AGENT_ID, agentPaths, parseRefId, RUN_ID } from "./ref-ids.ts";

/** Dollars on the wire: float sums like 0.1 + 0.2 are cut to a micro-dollar, well below any price step. */
export const roundUsd = (x: number) => Math.round(x * 1e6) / 1e6;
/** No agent run costs this much: a larger figure is a lie (Infinity would also end as null in JSON). */
const MAX_AGENT_USD = 1e6;
/** An agent's reported cost as recorded: its transcript is agent-written, so a negative (budget-raising), non-finite or absurd figure is unknown. */
const agentCost = (
  x: unknown,
) => (typeof x === "number" && x >= 0 && x <= MAX_AGENT_USD ? roundUsd(x) || 0 : null); // || 0: no -0
const MAX_RESULT_JSON = 4 << 20;
const MAX_WIRE_STRUCTURED = 64 * 1024;

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, data, { mode: 0o600 });
  await rename(tmp, path);
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** The data dir, .keys/ and the stamp key decide what guards trust: each must be ours and private,
 * never a link, so a directory or key another user prepared (say in /tmp) is refused, not adopted. */
async function checkPrivate(
  root: string,
  path: string,
  kind: "directory" | "file",
  opened?: Opened,
): Promise<void> {
  const st = opened?.fh ? await opened.fh.stat() : await lstat(path);
  const uid = callerIds().uid;
  const why = opened?.skipped
    ? `it is ${opened.skipped}`
    : st.isSymbolicLink()
    ? "it is a symbolic link"
    : !(kind === "file" ? st.isFile() : st.isDirectory())
    ? `it is not a ${kind}`
    : st.uid !== uid
    ? `it is owned by uid ${st.uid}, not by this server's uid ${uid}`
    : st.mode & 0o077
    ? `its mode ${(st.mode & 0o777).toString(8)} lets other users in`
    : kind === "file" && st.size !== 32
    ? `it holds ${st.size} bytes, not a 32-byte key`
    : null;
  if (why) {
    throw new StartupError(
      `Cannot use the data directory ${root}: ${path} ${why}; if it is yours run chmod 700 ${root} (and chmod 600 on .keys/stamps.key), or set SWARM_DATA_DIR to a new directory`,
    );
  }
}

/** Open (creating 0700) the data dir and its stamp key, kept outside every run dir. */
export async function createRefStore(root: string): Promise<RefStore> {
  await mkdir(root, { recursive: true, mode: 0o700 });
  await checkPrivate(root, root, "directory");
  const keyDir = join(root, ".keys");
  await mkdir(keyDir, { recursive: true, mode: 0o700 });
  await checkPrivate(root, keyDir, "directory");
  const keyFile = join(keyDir, "stamps.key");
  // O_EXCL: a link planted at the key's path is never written through; another instance's key is read.
  await writeFile(keyFile, randomBytes(32), { mode: 0o600, flag: "wx" }).catch((e) => {
    if ((e as { code?: string }).code !== "EEXIST") throw e;
  });
  const opened = await openRegular(keyFile);
  let key: Buffer;
  try {
    await checkPrivate(root, keyFile, "file", opened);
    key = Buffer.alloc(32);
    await opened.fh!.read(key, 0, 32, 0);
  } finally {
    await opened.fh?.close();
  }
  const sign = (ref: string, stamps: Record<string, Json>) =>
    createHmac("sha256", key).update(ref + "\n" + JSON.stringify(stamps)).digest("hex");

  const runDir = (runId: string) => {
    if (!RUN_ID.test(runId)) {
      fail(
        "INVALID_INPUT",
        `Cannot use run id "${runId.slice(0, 40)}": a run id is 12 lowercase hex characters`,
      );
    }
    return join(root, runId);
  };
  const paths = (runId: string, agentId: string): AgentPaths =>
    agentPaths(join(runDir(runId), checkAgentId(agentId)));
  const resultPath = (runId: string, agentId: string) =>
    join(paths(runId, agentId).dir, AGENT_FILES.result);

  async function get(input: unknown): Promise<RefRecord> {
    const { run_id, agent_id } = parseRefId(input);
    const ref = `${run_id}/${agent_id}`;
    const raw = await readNoFollow(resultPath(run_id, agent_id), MAX_RESULT_JSON);
    if (raw.skipped === "missing" || raw.skipped === "ENOTDIR") { // ENOTDIR: <run>/run.json
      fail(
        "NOT_FOUND",
        `Cannot find ref "${ref}": no result is stored under that id; check the id, or call status/wait if its run is still going`,
      );
    }
    let rec: RefRecord | null = null;
    try {
      rec = raw.skipped || raw.truncated ? null : JSON.parse(raw.text);
    } catch { /* reported below */ }
    // Nothing in the file is trusted as a path or an identity: it must name the id it was loaded under.
    const ok = rec !== null && typeof rec === "object" && rec.ref === ref &&
      rec.run_id === run_id && rec.agent_id === agent_id &&
      Array.isArray(rec.parents) && (rec.text_file === null || isFileName(rec.text_file));
    if (!ok) {
      fail(
        "CONFLICT",
        `Cannot read ref "${ref}": its result.json is ${
          raw.skipped ?? "damaged or not written by swarm-mcp"
        }; run the agent again`,
      );
    }
    return rec!;
  }

  function verifiedStamps(rec: RefRecord): Record<string, Json> {
    const s = rec.stamps ?? {};
    if (Object.keys(s).length === 0) return {};
    const sig = (rec as RefRecord & { stamps_sig?: string }).stamps_sig ?? "";
    const want = sign(rec.ref, s);
    const ok = sig.length === want.length && timingSafeEqual(Buffer.from(sig), Buffer.from(want));
    return ok ? s : {}; // a tampered file loses its stamps: guards then fail closed
  }

  function wire(rec: RefRecord): Ref {
    const stamps = verifiedStamps(rec);
    const out: Ref = {
      ref: rec.ref,
      run_id: rec.run_id,
      agent_id: rec.agent_id,
      status: rec.status,
      exit_code: rec.exit_code,
      error: rec.error && rec.error.length > 400 ? rec.error.slice(0, 400) + "…" : rec.error,
      cost_usd: rec.cost_usd,
      duration_seconds: rec.duration_seconds,
      model: rec.model,
      session_id: rec.session_id,
      num_turns: rec.num_turns,
      size: rec.size,
      content_hash: rec.content_hash,
      parents: rec.parents,
      output_dir: paths(rec.run_id, rec.agent_id).dir,
    };
    if (Object.keys(stamps).length) out.stamps = stamps;
    // What output_schema asked for travels with the ref, unless sealed or too big for every listing.
    const so = rec.structured_output;
    if (so != null && !stamps.encryption && JSON.stringify(so).length <= MAX_WIRE_STRUCTURED) {
      out.structured_output = so;
    }
    return out;
  }

  async function save(rec: RefRecord): Promise<void> {
    rec.stamps ??= {};
    (rec as RefRecord & { stamps_sig?: string }).stamps_sig = sign(rec.ref, rec.stamps);
    await writeAtomic(resultPath(rec.run_id, rec.agent_id), JSON.stringify(rec, null, 2));
  }

  const content = createContentReader({
    get,
    parse: parseRefId,
    dir: (runId, agentId) => paths(runId, agentId).dir,
    stamps: verifiedStamps,
  });

  return {
    root,
    newRunId: () => randomBytes(6).toString("hex"),
    parse: parseRefId,
    runDir,
    paths,
    async create(runId, agentId) {
      const p = paths(runId, agentId);
      await writingData(`the directory of agent "${runId}/${agentId}"`, root, async () => {
        await mkdir(runDir(runId), { recursive: true, mode: 0o700 });
        await mkdir(p.dir, { mode: 0o700 }).catch((e) => {
          if ((e as { code?: string }).code !== "EEXIST") throw e;
          fail(
            "CONFLICT",
            `Cannot create agent "${runId}/${agentId}": it exists already; use a new agent id`,
          );
        });
        for (const d of [p.home, p.workspace, p.out]) await mkdir(d, { mode: 0o700 });
      });
      return p;
    },
    async finish(runId, agentId, o) {
      const p = paths(runId, agentId);
      let textFile: string | null = o.text_file ?? null;
      if (o.text !== undefined && textFile === null) {
        textFile = AGENT_FILES.text;
        await writingData(
          `the output of agent "${runId}/${agentId}"`,
          root,
          () => writeFile(join(p.dir, textFile!), o.text!, { mode: 0o600 }),
        );
      }
      if (textFile !== null && !isFileName(textFile)) {
        throw new RangeError(`Invalid text file "${textFile}"`);
      }
      let hash: string | null = null;
      let size = 0;
      if (textFile !== null && (await exists(join(p.dir, textFile)))) {
        const h = await hashFile(join(p.dir, textFile));
        size = h.size;
        hash = size > 0 ? h.hash.slice(0, 16) : null;
      }
      const rec: RefRecord = {
        ref: `${runId}/${agentId}`,
        run_id: runId,
        agent_id: agentId,
        status: o.status,
        exit_code: o.exit_code,
        error: o.error,
        cost_usd: agentCost(o.cost_usd),
        duration_seconds: Math.round(o.duration_seconds * 100) / 100,
        model: o.model ?? null,
        session_id: o.session_id ?? null,
        num_turns: o.num_turns ?? null,
        size,
        content_hash: hash,
        parents: o.parents ?? [],
        created_at: new Date().toISOString(),
        text_file: textFile,
        container_id: o.container_id ?? null,
        usage: o.usage,
        structured_output: o.structured_output,
        stamps: {},
      };
      if (rec.cost_usd !== null) rec.stamps = { cost: { usd: rec.cost_usd } };
      await writingData(`the result of agent "${runId}/${agentId}"`, root, () => save(rec));
      return wire(rec);
    },
    get,
    wire,
    ...content,
    async stamp(input, key, value) {
      const rec = await get(input);
      rec.stamps = { ...verifiedStamps(rec), [key]: value };
      await save(rec);
      return wire(rec);
    },
    seal: createSeal({
      root,
      get,
      dir: (r, a) => paths(r, a).dir,
      stamps: verifiedStamps,
      writeAtomic,
      save,
      wire,
    }),
    async stamps(input) {
      return verifiedStamps(await get(input));
    },
    async rewriteText(input, text, fileName) {
      const rec = await get(input);
      if (!isFileName(fileName)) throw new RangeError(`Invalid text file "${fileName}"`);
      const dir = paths(rec.run_id, rec.agent_id).dir;
      await writeAtomic(join(dir, fileName), text);
      rec.text_file = fileName;
      rec.stamps = verifiedStamps(rec);
      await save(rec);
      return rec;
    },
  };
}
