// The one read path for a ref's content: every reader (unwrap, inspect, reduce, chain, guard, the
// drivers' parsers, plugins) goes through here. What the agent could write is read without
// following links, never from a FIFO or device, and never past a limit; the encryption policy
// lives here alone, so encryption changes one place.
import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fail, isToolError } from "./errors.ts";
import { AGENT_FILES, isFileName } from "./ref-ids.ts";
import { copyNoFollow, linesNoFollow, listNoFollow, openRegular, readNoFollow } from "./safe-fs.ts";
import type { Json, LineStats, RefPart, RefRecord, RefStore } from "./types.ts";

const MAX_READ = 64 * 1024 * 1024;
const MAX_COPY = 4 * 2 ** 30;
const MAX_HASHED = 2 ** 30;
/** Parts holding the agent's output: an encrypted ref's are ciphertext, or its plaintext twin. */
const SEALED: ReadonlySet<RefPart> = new Set(["text", "structured", "stream"]);
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC |
  constants.O_NOFOLLOW;

interface Deps {
  get(input: unknown): Promise<RefRecord>;
  dir(runId: string, agentId: string): string;
  stamps(rec: RefRecord): Record<string, Json>;
  parse(input: unknown): { run_id: string; agent_id: string };
}

type Reader = Pick<RefStore, "read" | "lines" | "readText" | "copyOut" | "writeReport">;

export function createContentReader(d: Deps): Reader {
  /** The record, or null while the agent runs (no result.json yet: nothing can be stamped). */
  const record = (ref: string) =>
    d.get(ref).catch((e) => {
      if (isToolError(e) && e.code === "NOT_FOUND") return null;
      throw e;
    });

  /** Where a part lives, after the encryption policy; `sealed` when it must not be read. */
  async function locate(
    input: unknown,
    part: RefPart,
    display: boolean | undefined,
    sealed?: boolean,
  ): Promise<{ ref: string; rec: RefRecord | null; path: string | null; sealed: boolean }> {
    const { run_id, agent_id } = d.parse(input);
    const ref = `${run_id}/${agent_id}`;
    const dir = d.dir(run_id, agent_id);
    const needsRecord = part === "text" || part === "structured";
    const rec = needsRecord ? await d.get(ref) : SEALED.has(part) ? await record(ref) : null;
    const enc = rec && SEALED.has(part) ? d.stamps(rec).encryption : undefined;
    if (enc !== undefined && !display && !sealed) {
      const keyId = (enc as { key_id?: unknown })?.key_id;
      fail(
        "CONFLICT",
        `Cannot read the ${part} of ref "${ref}": its output is encrypted (key_id ${
          typeof keyId === "string" ? keyId.slice(0, 100) : "unknown"
        }); call decrypt with that key_id first`,
      );
    }
    const name = part === "text"
      ? (isFileName(rec!.text_file) ? rec!.text_file : null)
      : part === "structured"
      ? null
      : AGENT_FILES[part];
    return { ref, rec, path: name && join(dir, name), sealed: enc !== undefined && !sealed };
  }

  const read: Reader["read"] = async (input, part, o = {}) => {
    const { rec, path, sealed } = await locate(input, part, o.display, o.sealed);
    if (sealed) return { text: "(encrypted)", size: 0, truncated: false, skipped: "encrypted" };
    if (part === "structured") {
      const text = rec!.structured_output == null ? "" : JSON.stringify(rec!.structured_output);
      return { text, size: text.length, truncated: false };
    }
    if (part === "workspace" || part === "out") {
      const l = await listNoFollow(path!, { maxEntries: o.maxEntries ?? 200, maxDepth: 8 });
      const { entries, truncated, skipped } = l;
      return { text: entries.join("\n"), size: entries.length, truncated, skipped };
    }
    if (!path) return { text: "", size: 0, truncated: false };
    return readNoFollow(path, o.maxBytes ?? MAX_READ, { fromEnd: o.fromEnd });
  };

  return {
    read,
    async *lines(input, part, o = {}) {
      const stats: LineStats = o.stats ?? { bytes: 0, longLines: 0, truncated: false };
      const { path, sealed } = await locate(input, part, o.display);
      if (sealed) return void (stats.skipped = "encrypted");
      yield* linesNoFollow(path!, {
        maxBytes: o.maxBytes ?? MAX_READ,
        maxLine: o.maxLine ?? 1 << 20,
      }, stats);
    },
    async readText(input, maxBytes = MAX_READ) {
      const r = await read(input, "text", { maxBytes });
      if (r.truncated) {
        const { run_id, agent_id } = d.parse(input);
        fail(
          "TOO_LARGE",
          `Cannot read ref "${run_id}/${agent_id}" inline: its output is ${r.size} bytes (limit ${maxBytes}); call unwrap and read the file instead`,
        );
      }
      return r.text;
    },
    async copyOut(input, maxBytes = MAX_COPY) {
      const { rec, path } = await locate(input, "text", false);
      const file = join(d.dir(rec!.run_id, rec!.agent_id), AGENT_FILES.unwrapped);
      const c = await copyNoFollow(path, file, maxBytes);
      return { file, text: "", ...c };
    },
    async writeReport(input, part, text) {
      const { run_id, agent_id } = (await d.get(input)) as RefRecord;
      const file = join(d.dir(run_id, agent_id), AGENT_FILES[part]);
      await writeFile(file, text, { mode: 0o600, flag: WRITE_FLAGS });
      return file;
    },
  };
}

/** sha256 of a file's bytes (the first MAX_HASHED of them), read through one reused buffer so a
 * large output costs no memory; size is the whole file's. The file may be the agent's stdout: a link
 * or FIFO in its place hashes as empty (size 0), and a sparse 64 GB one is not read to its end. */
export async function hashFile(path: string): Promise<{ hash: string; size: number }> {
  const h = createHash("sha256");
  const buf = new Uint8Array(1 << 20);
  const { fh, size } = await openRegular(path);
  if (!fh) return { hash: "", size: 0 };
  try {
    for (let done = 0; done < MAX_HASHED;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      done += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return { hash: h.digest("hex"), size };
}
