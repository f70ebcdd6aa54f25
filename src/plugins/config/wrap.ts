// wrap: a ref for content that exists already, so reduce, guard, filter and pipelines take a file
// or a directory like an agent's output. A finished ref with no container: model "wrapped", cost 0,
// a signed `wrapped` stamp naming the source. The path is judged like a mount; nothing is read
// through a link (a project dir may be an agent's read-write mount), and sizes are bounded.
import { constants, existsSync } from "node:fs";
import { type FileHandle, lstat, open, realpath, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Core, Ref, RunHandle, Tool } from "../../core/types.ts";
import { judgeHostPath } from "./host-path.ts";

const MAX_TEXT = 32 << 20;
const MAX_FILES = 1000;
const TEXT_FILE = "wrapped.txt";

/** A listed file's text, or why it is left out. The last component is opened without following;
 * the dirs above must still be the ones listed (checked before and after the read), or a link
 * swapped in meanwhile could lead the read elsewhere. */
async function fileText(core: Core, path: string, room: number): Promise<string | { why: string }> {
  const full = { why: `the wrapped text reached ${MAX_TEXT >> 20} MiB` };
  const parentOk = async () => (await realpath(dirname(path)).catch(() => "")) === dirname(path);
  // Sized first: a directory of huge (or sparse) files must not be read only to be left out.
  if (room <= 0 || ((await lstat(path).catch(() => null))?.size ?? 0) > room) return full;
  if (!(await parentOk())) return { why: "moved while reading" };
  const r = await core.fs.readNoFollow(path, room);
  if (r.skipped) return { why: `it is ${r.skipped}` };
  if (r.truncated) return full;
  if (r.text.includes("\0")) return { why: "a binary file" };
  return (await parentOk()) ? r.text : { why: "moved while reading" };
}

const FD_DIR = existsSync("/proc/self/fd") ? "/proc/self/fd" : null;
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** The file at `real` reached one component at a time, each opened without following a link
 * through the fd of the one before: a dir on the path that an agent swaps for a link between the
 * judgement and the read is refused, not followed (no /proc: the plain no-follow open). */
async function openJudged(real: string): Promise<FileHandle | null> {
  const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  if (!FD_DIR) return await open(real, flags).catch(() => null);
  const parts = real.split("/").filter(Boolean);
  let dir = await open("/", DIR_FLAGS);
  try {
    for (const part of parts.slice(0, -1)) {
      const next = await open(`${FD_DIR}/${dir.fd}/${part}`, DIR_FLAGS).catch(() => null);
      if (!next) return null;
      await dir.close();
      dir = next;
    }
    return await open(`${FD_DIR}/${dir.fd}/${parts.at(-1)}`, flags).catch(() => null);
  } finally {
    await dir.close();
  }
}

/** Copy the judged file, read to the size it had when opened (one growing meanwhile, a sparse
 * 64 GB, is cut there); false when it is no longer that regular file or is over MAX_TEXT. */
async function copyJudged(real: string, dest: string): Promise<boolean> {
  const fh = await openJudged(real);
  if (!fh) return false;
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.size > MAX_TEXT) return false;
    const buf = Buffer.alloc(st.size);
    let got = 0;
    for (let n = 1; got < buf.length && n > 0; got += n) {
      n = (await fh.read(buf, got, buf.length - got, got)).bytesRead;
    }
    await writeFile(dest, buf.subarray(0, got), { mode: 0o600, flag: "wx" });
    return true;
  } finally {
    await fh.close();
  }
}

/** A directory as text: its sorted listing, then each regular text file after an "=== name ==="
 * line, up to MAX_TEXT in all. */
async function directoryText(core: Core, root: string): Promise<{ text: string; files: number }> {
  const listing = await core.fs.listNoFollow(root, { maxEntries: MAX_FILES, maxDepth: 8 });
  listing.entries.sort();
  const parts = [
    `Directory wrapped: ${root}\nFiles:\n${listing.entries.join("\n")}${
      listing.truncated ? `\n(listing stopped at ${MAX_FILES} entries or 8 levels)` : ""
    }`,
  ];
  let size = parts[0]!.length;
  let files = 0;
  for (const rel of listing.entries.filter((e) => !e.endsWith("/") && !e.includes(" -> "))) {
    const got = await fileText(core, join(root, rel), MAX_TEXT - size);
    const body = typeof got === "string" ? got : `(not included: ${got.why})`;
    if (typeof got === "string") files++;
    parts.push(`=== ${rel} ===\n${body}`);
    size += Buffer.byteLength(body) + rel.length + 10;
  }
  return { text: parts.join("\n\n") + "\n", files };
}

export function wrap(core: Core): Tool {
  const { v } = core;
  return {
    name: "wrap",
    description:
      'Make a ref of an existing file (its text) or directory (a listing plus its text files), to pass to reduce, guard, filter or a pipeline like an agent\'s output. Returns the ref (model "wrapped", cost 0) and source_path.',
    annotations: { readOnlyHint: false, openWorldHint: false },
    input: v.object({
      path: v.pipe(v.string(), v.description("Absolute path (or ~/…) of a file or directory")),
    }),
    async run({ path }, ctx) {
      const { real, st } = await judgeHostPath(core, "wrap", path);
      if (!st.isFile() && !st.isDirectory()) {
        core.fail("INVALID_INPUT", `Cannot wrap "${real}": it is neither a file nor a directory`);
      }
      if (st.isFile() && st.size > MAX_TEXT) {
        core.fail(
          "TOO_LARGE",
          `Cannot wrap "${real}": it is ${st.size} bytes, over ${
            MAX_TEXT >> 20
          } MiB; wrap a smaller file or a directory of parts`,
        );
      }
      const started = Date.now();
      const work = async (run: RunHandle): Promise<Ref & { source_path: string }> => {
        const id = run.agentId("wrapped");
        const p = await core.refs.create(run.run_id, id);
        let files = 1;
        let text: string | undefined;
        if (st.isFile()) {
          const copied = await copyJudged(real, join(p.dir, TEXT_FILE));
          if (!copied) {
            core.fail(
              "CONFLICT",
              `Cannot wrap "${real}": it changed while being read; wrap it again`,
            );
          }
        } else ({ text, files } = await directoryText(core, real));
        await core.refs.finish(run.run_id, id, {
          status: "ok",
          exit_code: 0,
          error: null,
          cost_usd: 0,
          model: "wrapped",
          ...(text === undefined ? { text_file: TEXT_FILE } : { text }),
          duration_seconds: (Date.now() - started) / 1000,
        });
        const kind = st.isFile() ? "file" : "directory";
        const ref = await core.refs.stamp(`${run.run_id}/${id}`, "wrapped", {
          source_path: real,
          kind,
          files,
        });
        run.add(ref);
        return { ...ref, source_path: real };
      };
      return core.runs.start("wrap", ctx, { wait_s: 50, total: 1 }, work);
    },
  };
}
