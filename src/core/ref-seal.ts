// Encryption at rest leaves no plaintext behind: `seal` (the door of the `encryption` stamp's owner)
// puts the ciphertext in place of a ref's text and removes every other plaintext copy: the agent
// dir's inventory (AGENT_FILES), its HOME (the CLI's own transcripts), the structured output and
// the error (a failure quotes the output or stderr) in result.json and in its run's record, and
// the prompts of refs derived from it, which carried its text.
import { lstat, mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { fail } from "./errors.ts";
import { AGENT_FILES, AGENT_ID, RUN_ID } from "./ref-ids.ts";
import { readRecord, writeRecord } from "./run-record.ts";
import type { Json, Ref, RefRecord, RefStore, StampShapes } from "./types.ts";

/** The sealed text's file in the agent dir. */
export const SEALED_FILE = "text.enc";
const PLAIN = [
  "text",
  "stream",
  "stderr",
  "prompt",
  "stdin",
  "artifacts",
  "unwrapped",
  "inspect",
  "sandbox",
  "patch",
] as const;
/** What a sealed ref's error says instead: its status and exit code stay on the ref. */
export const SEALED_ERROR =
  "(removed when this ref was encrypted: an agent's error may quote its output or stderr)";
/** Agent dirs looked at for refs derived from the sealed one (bounded like the start-up sweep). */
const MAX_SCANNED = 20_000;

interface Deps {
  root: string;
  get(input: unknown): Promise<RefRecord>;
  dir(runId: string, agentId: string): string;
  stamps(rec: RefRecord): Record<string, Json>;
  writeAtomic(path: string, data: string): Promise<void>;
  save(rec: RefRecord): Promise<void>;
  wire(rec: RefRecord): Ref;
}

/** Remove an agent's HOME (the CLI's own transcripts and session) and leave an empty one. rm never
 * follows a link inside it: what the agent planted there is removed, not its target. */
async function emptyHome(agentDir: string): Promise<void> {
  await rm(join(agentDir, AGENT_FILES.home), { recursive: true, force: true });
  await mkdir(join(agentDir, AGENT_FILES.home), { mode: 0o700 });
}

export function createSeal(d: Deps): RefStore["seal"] {
  /** A derived ref's prompt held the sealed text: it keeps only a note saying so. */
  async function scrubDerived(ref: string, keyId: string): Promise<number> {
    const note =
      `(removed: this prompt carried the output of ${ref}, encrypted with key_id ${keyId})\n`;
    let budget = MAX_SCANNED;
    let scrubbed = 0;
    for (const run of await readdir(d.root).catch(() => [] as string[])) {
      if (!RUN_ID.test(run)) continue;
      for (const agent of await readdir(join(d.root, run)).catch(() => [] as string[])) {
        if (--budget < 0) return scrubbed;
        if (!AGENT_ID.test(agent) || `${run}/${agent}` === ref) continue;
        const rec = await d.get(`${run}/${agent}`).catch(() => null);
        if (!rec?.parents.includes(ref)) continue;
        for (const f of [AGENT_FILES.prompt, AGENT_FILES.stdin]) {
          const path = join(d.dir(run, agent), f);
          // Only a file that is there is replaced (a planted link is replaced, never followed).
          if (await lstat(path).then(() => true, () => false)) await d.writeAtomic(path, note);
        }
        // Its HOME keeps the CLI's session transcript, which holds that prompt: reply cannot go on.
        await emptyHome(d.dir(run, agent));
        scrubbed++;
      }
    }
    return scrubbed;
  }

  /** A finished run's record holds its result: the wire refs, with their structured output. (A
   * running run's refs in memory were made after the seal: SWARM_ENCRYPT_ALL seals as agents end.) */
  async function scrubRunRecord(ref: string, runId: string): Promise<void> {
    const dir = join(d.root, runId);
    const rec = await readRecord(dir, runId).catch(() => null);
    if (!rec || rec.status === "running") return;
    const strip = (x: unknown): void => {
      if (!x || typeof x !== "object") return;
      const wire = x as { ref?: unknown; structured_output?: unknown; error?: unknown };
      if (wire.ref === ref) {
        delete wire.structured_output;
        if (wire.error) wire.error = SEALED_ERROR;
      }
      for (const v of Object.values(x)) strip(v);
    };
    strip(rec);
    await writeRecord(dir, rec, d.root);
  }

  /** Every plaintext copy goes. Safe to repeat: a seal cut short (the server died after the stamp
   * was saved) is finished by sealing again with the same stamp. */
  async function removePlaintext(rec: RefRecord, old: string | null, keyId: string): Promise<void> {
    const dir = d.dir(rec.run_id, rec.agent_id);
    const copies = [
      ...PLAIN.map((p) => AGENT_FILES[p]),
      ...(old && old !== SEALED_FILE ? [old] : []),
    ];
    for (const f of copies) await rm(join(dir, f), { force: true });
    await emptyHome(dir);
    await scrubRunRecord(rec.ref, rec.run_id);
    await scrubDerived(rec.ref, keyId);
  }

  return async (input, sealed, stamp: StampShapes["encryption"]) => {
    const rec = await d.get(input);
    const had = d.stamps(rec).encryption as StampShapes["encryption"] | undefined;
    if (had?.key_id === stamp.key_id && rec.text_file === SEALED_FILE) {
      if (rec.error && rec.error !== SEALED_ERROR) {
        rec.error = SEALED_ERROR; // sealed by a version that kept the error
        await d.save(rec);
      }
      await removePlaintext(rec, null, stamp.key_id);
      return d.wire(rec);
    }
    if (had !== undefined) {
      fail(
        "CONFLICT",
        `Cannot encrypt ref "${rec.ref}": it is encrypted already; call decrypt to read it`,
      );
    }
    const dir = d.dir(rec.run_id, rec.agent_id);
    await d.writeAtomic(join(dir, SEALED_FILE), sealed);
    const old = rec.text_file;
    rec.text_file = SEALED_FILE;
    delete rec.structured_output;
    if (rec.error) rec.error = SEALED_ERROR;
    rec.content_hash = null; // a hash of a short plaintext lets one confirm a guess of it
    rec.stamps = { ...d.stamps(rec), encryption: stamp };
    await d.save(rec); // from here on every reader sees the ref as encrypted
    await removePlaintext(rec, old, stamp.key_id);
    return d.wire(rec);
  };
}
