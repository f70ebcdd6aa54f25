// Reading what an agent could have written (its home/, out/ at /output, workspace/, and the stream
// and stderr files bind-mounted into its container) as untrusted input: a planted symlink is never
// followed, a planted FIFO or device is never read, and every read stops at a limit. Imports
// node: built-ins only, so built-in plugins use it too.
import { constants, existsSync } from "node:fs";
import { type FileHandle, lstat, open, opendir } from "node:fs/promises";
import type { LineStats } from "./types.ts";

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const DIR_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_DIRECTORY;
/** Entries of an opened directory are reached through its fd, so no path component can be swapped. */
const FD_DIR = existsSync("/proc/self/fd") ? "/proc/self/fd" : null;

export type Opened = { fh: FileHandle; size: number; skipped?: undefined } | {
  fh?: undefined;
  size: 0;
  skipped: string;
};

/** Open a regular file without following a link: lstat first (a device is never opened), then
 * O_NOFOLLOW|O_NONBLOCK, then fstat must be the same regular file. `skipped` says why not. */
export async function openRegular(path: string): Promise<Opened> {
  const skip = (why: string): Opened => ({ size: 0, skipped: why });
  const before = await lstat(path).catch((e: { code?: string }) => e.code ?? "unreadable");
  if (typeof before === "string") return skip(before === "ENOENT" ? "missing" : before);
  if (before.isSymbolicLink()) return skip("a symbolic link");
  if (!before.isFile()) return skip("not a regular file");
  const fh = await open(path, READ_FLAGS).catch(() => null);
  if (!fh) return skip("replaced while opening");
  const st = await fh.stat().catch(() => null);
  if (!st?.isFile() || st.ino !== before.ino || st.dev !== before.dev) {
    await fh.close();
    return skip("replaced while opening");
  }
  return { fh, size: st.size };
}

export interface ReadResult {
  text: string;
  /** The file's size; more than text when truncated. */
  size: number;
  truncated: boolean;
  /** Why nothing was read: "missing", "a symbolic link", "not a regular file"… */
  skipped?: string;
}

/** At most maxBytes of a regular file, from its start or (fromEnd) its end. */
export async function readNoFollow(
  path: string,
  maxBytes: number,
  o: { fromEnd?: boolean } = {},
): Promise<ReadResult> {
  const f = await openRegular(path);
  if (!f.fh) return { text: "", size: 0, truncated: false, skipped: f.skipped };
  try {
    const want = Math.min(f.size, maxBytes);
    const buf = Buffer.alloc(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await f.fh.read(
        buf,
        got,
        want - got,
        (o.fromEnd ? f.size - want : 0) + got,
      );
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { text: buf.subarray(0, got).toString("utf8"), size: f.size, truncated: f.size > got };
  } finally {
    await f.fh.close();
  }
}

/** `dir` itself opened without following a link; its entries are reached as `${at}/<name>` through
 * the fd, so neither `dir` nor a name in it can be swapped for a link (a project's types/ dir, which
 * an agent with the project mounted may replace). */
export async function openDir(
  dir: string,
): Promise<
  { fh: FileHandle; at: string; skipped?: undefined } | { fh?: undefined; skipped: string }
> {
  const fh = await open(dir, DIR_FLAGS).catch((e: { code?: string }) => e.code ?? "unreadable");
  if (typeof fh !== "string") return { fh, at: FD_DIR ? `${FD_DIR}/${fh.fd}` : dir };
  const link = fh === "ELOOP" || fh === "ENOTDIR";
  return {
    skipped: link ? "not a directory (a symbolic link?)" : fh === "ENOENT" ? "missing" : fh,
  };
}

/** readNoFollow of `name` in `dir`, where `dir` must not be a link either. */
export async function readInDir(dir: string, name: string, maxBytes: number): Promise<ReadResult> {
  const d = await openDir(dir);
  if (!d.fh) {
    const skipped = d.skipped === "missing" ? d.skipped : `in ${dir}, which is ${d.skipped}`;
    return { text: "", size: 0, truncated: false, skipped };
  }
  try {
    return await readNoFollow(`${d.at}/${name}`, maxBytes);
  } finally {
    await d.fh.close();
  }
}

export type { LineStats };

/** The lines of a regular file, read through one fd in chunks: at most maxBytes in all, and no
 * line longer than maxLine is held (an agent may print a gigabyte without a newline). */
export async function* linesNoFollow(
  path: string,
  limits: { maxBytes: number; maxLine: number },
  stats: LineStats,
): AsyncGenerator<string> {
  const f = await openRegular(path);
  if (!f.fh) return void (stats.skipped = f.skipped);
  const buf = Buffer.alloc(1 << 20);
  let parts: Buffer[] = [];
  let held = 0;
  let dropping = false;
  try {
    for (;;) {
      if (stats.bytes >= limits.maxBytes) return void (stats.truncated = true);
      const { bytesRead } = await f.fh.read(
        buf,
        0,
        Math.min(buf.length, limits.maxBytes - stats.bytes),
        null,
      );
      if (bytesRead === 0) break;
      stats.bytes += bytesRead;
      const chunk = buf.subarray(0, bytesRead);
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        if (!dropping && held + nl - start <= limits.maxLine) {
          yield Buffer.concat([...parts, chunk.subarray(start, nl)]).toString("utf8");
        } else stats.longLines++;
        parts = [], held = 0, dropping = false, start = nl + 1;
      }
      if (start < bytesRead && !dropping) {
        held += bytesRead - start;
        if (held > limits.maxLine) dropping = true, parts = [];
        else parts.push(Buffer.from(chunk.subarray(start)));
      }
    }
    if (dropping) stats.longLines++;
    else if (held > 0) yield Buffer.concat(parts).toString("utf8");
  } finally {
    await f.fh.close();
  }
}

export interface Listing {
  /** Paths relative to the root: "dir/", "file", "link -> (symbolic link, not followed)". */
  entries: string[];
  truncated: boolean;
  skipped?: string;
}

/** Walk a directory tree without entering symlinks, stopping at maxEntries names or maxDepth. */
export async function listNoFollow(
  root: string,
  limits: { maxEntries: number; maxDepth: number },
): Promise<Listing> {
  const out: Listing = { entries: [], truncated: false };
  const walk = async (dirPath: string, rel: string, depth: number): Promise<void> => {
    const opened = await openDir(dirPath);
    if (!opened.fh) return void (depth === 0 && (out.skipped = opened.skipped));
    const { fh, at } = opened;
    try {
      for await (const d of await opendir(at)) {
        if (out.entries.length >= limits.maxEntries) return void (out.truncated = true);
        const name = rel + d.name;
        if (d.isSymbolicLink()) out.entries.push(`${name} -> (symbolic link, not followed)`);
        else if (!d.isDirectory()) out.entries.push(name);
        else {
          out.entries.push(name + "/");
          if (depth + 1 >= limits.maxDepth) out.truncated = true;
          else await walk(`${at}/${d.name}`, name + "/", depth + 1);
        }
      }
    } finally {
      await fh.close();
    }
  };
  await walk(root, "", 0);
  return out;
}

/** Copy at most maxBytes of a regular file (never a link; null: none) to `dest`, 0600, not following
 * a link there. An agent can make its stdout a sparse 64 GB file: a copy must not fill the disk. */
export async function copyNoFollow(
  src: string | null,
  dest: string,
  maxBytes: number,
): Promise<{ size: number; truncated: boolean; skipped?: string }> {
  const f: Opened = src ? await openRegular(src) : { size: 0, skipped: "missing" };
  const out = await open(
    dest,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
    0o600,
  );
  let size = 0;
  try {
    await out.chmod(0o600); // an existing file keeps its old mode through O_CREAT
    if (!f.fh) return { size: 0, truncated: false, skipped: f.skipped };
    const buf = Buffer.alloc(1 << 20);
    for (
      let n = 0;
      (n = (await f.fh.read(buf, 0, Math.min(buf.length, maxBytes - size), null)).bytesRead) > 0;
    ) {
      await out.write(buf, 0, n);
      size += n;
    }
    return { size, truncated: f.size > size };
  } finally {
    await out.close();
    await f.fh?.close();
  }
}
