// Unpacks a tar stream from the engine's archive endpoint into a host dir. The archive is what an
// agent left in its container: untrusted. Names that are absolute or climb out ("..") and hard
// links that point out refuse the archive; symbolic links are never made, wherever they point (a
// reader of the ref never follows one), a hard link's later name becomes a copy; devices and fifos
// are skipped. Files are created without following a link (a file, dir or link in an entry's way
// goes: the agent replaced it) and within limits of bytes and entries, read as a stream so memory
// stays flat.
import { constants } from "node:fs";
import { lstat, mkdir, open, rm, unlink } from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import type { Readable } from "node:stream";
import { isRuntimeError, refuse } from "./runtime-error.ts";

export interface UntarLimits {
  maxBytes: number;
  maxEntries: number;
}

/** What the archives of one agent used of the limits (they bound its dirs together), and the
 * host paths they held as files or dirs. */
export interface Tally {
  bytes: number;
  entries: number;
  seen: Set<string>;
}

/** Unpack `tar` into `dest` (which exists), dropping the archive's first name component (the
 * engine names entries after the copied dir), counting into `tally`. Returns how many links were
 * left out. */
export async function untar(
  tar: Readable,
  dest: string,
  limits: UntarLimits,
  what: string,
  tally: Tally = { bytes: 0, entries: 0, seen: new Set() },
): Promise<{ files: number; bytes: number; skippedLinks: number }> {
  try {
    return await unpack(tar, dest, limits, what, tally);
  } catch (e) {
    // This machine's file system refused a name the agent's could hold (a path over 4096 bytes), or
    // the disk is full: a sentence, not a raw error with a 4 KB path. Others (the engine's stream
    // broke) go as they are.
    const err = e as { code?: string; message?: string; path?: string };
    const disk = /^(ENOSPC|EDQUOT|EFBIG|EROFS)$/.test(err.code ?? "");
    if (isRuntimeError(e) || (err.path === undefined && !disk)) throw e;
    return refuse(
      "forbidden",
      `Cannot copy back ${what}: ${err.code ?? "an error"} (${
        String(err.message).slice(0, 160)
      }…); this machine cannot write the agent's files there (a name too long, or a full disk)`,
    );
  }
}

async function unpack(
  tar: Readable,
  dest: string,
  limits: UntarLimits,
  what: string,
  tally: Tally,
) {
  const reader = blocks(tar);
  const bad = (why: string, next = "agents may not write outside their dirs"): never =>
    refuse(
      "forbidden",
      `Cannot copy back ${what}: ${why}; the agent's archive is refused (${next})`,
    );
  const over = (limit: string) =>
    bad(
      limit,
      "they bound all of an agent's dirs: the operator can raise SWARM_REMOTE_MAX_BYTES / _ENTRIES",
    );
  const take = (n: number) => {
    if ((tally.bytes += n) > limits.maxBytes) over(`over ${limits.maxBytes} bytes`);
  };
  let pax: Record<string, string> = {};
  let longName: string | undefined, longLink: string | undefined;
  let files = 0, bytes = 0, skippedLinks = 0, extended = 0;
  for (;;) {
    const h = await reader.read(512);
    if (!h || h.every((b) => b === 0)) break;
    const size = octal(h.subarray(124, 136));
    if (size < 0) bad("an entry has an unreadable size");
    const type = String.fromCharCode(h[156]!);
    const data = async () => (await reader.read(pad(size)))?.subarray(0, size) ?? bad("truncated");
    if (type === "x" || type === "L" || type === "K" || type === "g") {
      if (size > 1 << 20 || ++extended > 4) bad("over 4 extended headers or 1 MiB for an entry");
      const body = await data();
      if (type === "x") pax = parsePax(body) ?? bad("an extended header is unreadable");
      if (type === "L") longName = body.toString("utf8").replace(/\0.*$/s, "");
      if (type === "K") longLink = body.toString("utf8").replace(/\0.*$/s, "");
      continue;
    }
    const raw = pax.path ?? longName ??
      (field(h, 345, 155) ? `${field(h, 345, 155)}/${field(h, 0, 100)}` : field(h, 0, 100));
    const link = pax.linkpath ?? longLink ?? field(h, 157, 100);
    // A pax size that is not a plain number would corrupt the byte count (NaN, negative).
    const length = pax.size === undefined ? size : /^\d{1,15}$/.test(pax.size) ? +pax.size : -1;
    if (length < 0) bad("an entry has an unreadable size");
    pax = {}, longName = longLink = undefined, extended = 0;
    if (++tally.entries > limits.maxEntries) over(`over ${limits.maxEntries} entries`);
    bytes += length; // skipped bodies count too: the whole read is bounded
    take(length);
    const rel = inside(raw) ?? bad(`the name ${JSON.stringify(raw.slice(0, 200))} leaves its dir`);
    const target = rel === "" ? dest : join(dest, rel);
    if (type === "2") {
      skippedLinks++; // never made, wherever it points (a venv's bin/python3 -> /usr/bin/python3)
    } else if (type === "1") { // the engine names a hard link's file by its path in the archive
      if (link.startsWith("/") || inside(`x/${posix.normalize(link)}`) === undefined) {
        bad(`the link ${JSON.stringify(raw.slice(0, 200))} points out of its dir`);
      }
      const from = rel !== "" ? inside(posix.normalize(link)) : "";
      if (from && from !== rel && await copyOf(join(dest, from), target, dest, take)) {
        files++, tally.seen.add(target);
      } else skippedLinks++;
    } else if (type === "5") {
      if (rel !== "") await makeDir(target, dest), tally.seen.add(target);
    } else if ((type === "0" || type === "\0" || type === "7") && rel !== "") {
      await makeDir(dirname(target), dest);
      await writeEntry(reader, target, length, octal(h.subarray(100, 108)));
      files++, tally.seen.add(target);
      continue; // the data was consumed
    }
    if (length > 0) await reader.skip(pad(length)); // skipped entries' bodies
  }
  return { files, bytes, skippedLinks };
}

/** The name below the archive's top dir, or undefined when it is absolute or climbs out. */
function inside(name: string): string | undefined {
  if (name.startsWith("/") || name.includes("\0")) return undefined;
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) return undefined;
  return parts.slice(1).join("/");
}

/** mkdir -p below `root`, never through anything but a real dir: a file or link in the way is
 * what the agent replaced by a dir (a link it never saw: links are not sent), so it goes. */
async function makeDir(dir: string, root: string): Promise<void> {
  if (dir === root) return;
  const st = await lstat(dir).catch(() => null);
  if (st?.isDirectory()) return;
  if (st) await unlink(dir);
  else await makeDir(dirname(dir), root);
  await mkdir(dir, { mode: 0o755 });
}

/** A hard link's later name (Docker archives the first as a file, the others as links to it): a
 * copy of the file unpacked above, made without following a link; `take` counts its bytes.
 * False (left out) when that is no file. */
async function copyOf(from: string, to: string, root: string, take: (n: number) => void) {
  const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  await makeDir(dirname(from), root); // O_NOFOLLOW guards the last name only: no link above it
  const src = await open(from, flags).catch(() => null);
  try {
    const st = await src?.stat();
    if (!src || !st?.isFile()) return false;
    take(st.size);
    await makeDir(dirname(to), root);
    await writeEntry(blocks(src.createReadStream({ autoClose: false })), to, st.size, st.mode);
    return true;
  } finally {
    await src?.close();
  }
}

async function writeEntry(
  reader: ReturnType<typeof blocks>,
  path: string,
  size: number,
  mode: number,
): Promise<void> {
  // A dir or link the agent replaced by this file goes (rm follows no link); so does a file with
  // another name, which the truncation below would change too.
  const st = await lstat(path).catch(() => null);
  if (st && (!st.isFile() || st.nlink > 1)) await rm(path, { recursive: true });
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
  const fh = await open(path, flags, (mode & 0o755) | 0o600);
  try {
    let left = size;
    while (left > 0) {
      const chunk = await reader.upTo(left);
      if (!chunk) refuse("forbidden", `Cannot copy back ${path}: the archive ends inside it`);
      // A write may take less than it was given (a disk filling up): the rest, or its error.
      for (let off = 0; off < chunk.length;) {
        const { bytesWritten } = await fh.write(chunk, off);
        if (!bytesWritten) throw Object.assign(new Error("nothing written"), { code: "ENOSPC" });
        off += bytesWritten;
      }
      left -= chunk.length;
    }
    await reader.skip(pad(size) - size);
  } finally {
    await fh.close();
  }
}

const pad = (n: number) => Math.ceil(n / 512) * 512;
const field = (h: Buffer, off: number, len: number) =>
  h.subarray(off, off + len).toString("utf8").replace(/\0.*$/s, "");
/** An octal header number; -1 for base-256 or garbage (sizes over 8 GiB are not ours to take). */
const octal = (b: Buffer) => {
  const s = b.toString("latin1").replace(/[\0 ]+$/, "").trim();
  return /^[0-7]*$/.test(s) ? parseInt(s || "0", 8) : -1;
};

/** Records "<length> <key>=<value>\n", cut by their length (which counts the whole record): a
 * value may hold a newline, as a file's name does when the agent makes it so, and a record read
 * line by line would let that name forge the next record (a size of 0, and the file's content read
 * as the archive's next headers). Undefined when a record does not add up. */
function parsePax(body: Buffer): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (let off = 0; off < body.length;) {
    const sp = body.indexOf(0x20, off), len = Number(body.toString("latin1", off, sp));
    const end = off + len, eq = body.indexOf(0x3d, sp);
    if (sp < 0 || !(len > sp - off) || end > body.length || body[end - 1] !== 0x0a) return;
    if (eq < 0 || eq >= end) return;
    out[body.toString("utf8", sp + 1, eq)] = body.toString("utf8", eq + 1, end - 1);
    off = end;
  }
  return out;
}

/** Exact reads over a stream, one chunk held at a time. */
function blocks(stream: Readable) {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let buf = Buffer.alloc(0);
  const fill = async (n: number) => {
    while (buf.length < n) {
      const r = await it.next();
      if (r.done) return false;
      buf = buf.length ? Buffer.concat([buf, r.value]) : Buffer.from(r.value);
    }
    return true;
  };
  const take = (n: number) => {
    const out = buf.subarray(0, n);
    buf = buf.subarray(n);
    return out;
  };
  return {
    async read(n: number): Promise<Buffer | null> {
      return (await fill(n)) ? take(n) : null;
    },
    /** Up to n bytes, at least one unless the stream ended. */
    async upTo(n: number): Promise<Buffer | null> {
      if (!(await fill(1))) return null;
      return take(Math.min(n, buf.length));
    },
    async skip(n: number): Promise<void> {
      while (n > 0) {
        const c = await this.upTo(n);
        if (!c) return;
        n -= c.length;
      }
    },
  };
}
