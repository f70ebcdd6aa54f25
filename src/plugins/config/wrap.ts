// wrap: a ref for content that exists already, so reduce, guard, filter and pipelines take a file
// or a directory like an agent's output. A finished ref with no container: model "wrapped", cost 0,
// a signed `wrapped` stamp naming the source. The path is judged like a mount; nothing is read
// through a link (a project dir may be an agent's read-write mount), and sizes are bounded.
import { constants, existsSync } from "node:fs";
import { type FileHandle, open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Core, Ref, RunHandle, Tool } from "../../core/types.ts";
import { judgeHostPath } from "./host-path.ts";

const MAX_TEXT = 32 << 20;
const MAX_FILES = 1000;
const TEXT_FILE = "wrapped.txt";

const FD_DIR = existsSync("/proc/self/fd") ? "/proc/self/fd" : null;
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const FILE_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** What is at `real`, reached one component at a time, each opened without following a link
 * through the fd of the one before: a dir on the path that an agent swaps for a link between the
 * judgement and the read is refused, not followed (no /proc: the plain no-follow open). */
async function openJudged(real: string, flags = FILE_FLAGS): Promise<FileHandle | null> {
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

/** The judged regular file's bytes, read to the size it had when opened (one growing meanwhile, a
 * sparse 64 GB, is cut there); why not, when it is no longer one or is over `room`. */
async function readJudged(real: string, room: number): Promise<Buffer | { why: string }> {
  const fh = await openJudged(real);
  if (!fh) return { why: "moved while reading" };
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { why: "it is not a regular file" };
    if (st.size > room) return { why: `the wrapped text reached ${MAX_TEXT >> 20} MiB` };
    const buf = Buffer.alloc(st.size);
    let got = 0;
    for (let n = 1; got < buf.length && n > 0; got += n) {
      n = (await fh.read(buf, got, buf.length - got, got)).bytesRead;
    }
    return buf.subarray(0, got);
  } finally {
    await fh.close();
  }
}

/** A listed file's text, or why it is left out. */
async function fileText(path: string, room: number): Promise<string | { why: string }> {
  const got = await readJudged(path, Math.max(room, 0));
  if (!Buffer.isBuffer(got)) return got;
  return got.includes(0) ? { why: "a binary file" } : got.toString("utf8");
}

/** A directory as text: its sorted listing, then each regular text file after an "=== name ==="
 * line, up to MAX_TEXT in all. */
async function directoryText(core: Core, root: string): Promise<{ text: string; files: number }> {
  // Listed through the fd of the judged dir: a parent swapped for a link lists nothing else.
  const dir = await openJudged(root, DIR_FLAGS);
  const at = dir && FD_DIR ? `${FD_DIR}/${dir.fd}/.` : root;
  const listing = await core.fs.listNoFollow(at, { maxEntries: MAX_FILES, maxDepth: 8 })
    .finally(() => dir?.close());
  if (!dir || listing.skipped) {
    core.fail("CONFLICT", `Cannot wrap "${root}": it changed while being read; wrap it again`);
  }
  listing.entries.sort();
  const parts = [
    `Directory wrapped: ${root}\nFiles:\n${listing.entries.join("\n")}${
      listing.truncated ? `\n(listing stopped at ${MAX_FILES} entries or 8 levels)` : ""
    }`,
  ];
  let size = parts[0]!.length;
  let files = 0;
  for (const rel of listing.entries.filter((e) => !e.endsWith("/") && !e.includes(" -> "))) {
    const got = await fileText(join(root, rel), MAX_TEXT - size);
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
          const got = await readJudged(real, MAX_TEXT);
          if (!Buffer.isBuffer(got)) {
            core.fail(
              "CONFLICT",
              `Cannot wrap "${real}": it changed while being read (${got.why}); wrap it again`,
            );
          }
          await writeFile(join(p.dir, TEXT_FILE), got, { mode: 0o600, flag: "wx" });
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
