// A minimal ustar writer for Docker build contexts (and, header by header, the dirs ship.ts streams
// to a remote engine). The binary must build its agent image without a `tar` executable or a
// package, and the contexts are a few small files held in memory anyway.
// Output is deterministic (mtime 0, uid/gid 0) so the same files always give the same bytes.

export interface TarEntry {
  /** Path inside the archive, "/"-separated. A name ending in "/" is a directory. */
  name: string;
  data?: Uint8Array | string;
  /** Permission bits; default 0o644 for files, 0o755 for directories. */
  mode?: number;
  /** Owner ids (default 0): a remote agent's dirs arrive owned by the user it runs as. */
  uid?: number;
  gid?: number;
}

const BLOCK = 512;
const enc = new TextEncoder();

export function tar(entries: TarEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const e of entries) {
    const isDir = e.name.endsWith("/");
    const data = isDir
      ? new Uint8Array(0)
      : typeof e.data === "string"
      ? enc.encode(e.data)
      : (e.data ?? new Uint8Array(0));
    const mode = e.mode ?? (isDir ? 0o755 : 0o644);
    const header = makeHeader(e.name, data.length, mode, isDir, e.uid ?? 0, e.gid ?? 0);
    parts.push(header);
    total += BLOCK;
    if (data.length > 0) {
      const padded = Math.ceil(data.length / BLOCK) * BLOCK;
      const body = new Uint8Array(padded);
      body.set(data);
      parts.push(body);
      total += padded;
    }
  }
  // The end of an archive is two zero blocks.
  total += 2 * BLOCK;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** One entry's headers (ship.ts streams the data after them, padded to 512): a pax header with
 * the path first when ustar's 100 + 155 bytes cannot hold it (a file name may run to 255 bytes). */
export function entryHeaders(
  path: string,
  size: number,
  mode: number,
  isDir: boolean,
  uid: number,
  gid: number,
): Uint8Array[] {
  if (splitName(path)) return [makeHeader(path, size, mode, isDir, uid, gid)];
  const record = (n: number) => `${n} path=${path}\n`;
  let n = 0;
  while (enc.encode(record(n)).length !== n) n = enc.encode(record(n)).length;
  const body = new Uint8Array(Math.ceil(n / BLOCK) * BLOCK);
  body.set(enc.encode(record(n)));
  const pax = makeHeader("PaxHeader", n, 0o644, false, 0, 0, 0x78 /* "x" */);
  return [pax, body, makeHeader("long-name", size, mode, isDir, uid, gid)];
}

/** One entry's 512-byte header. */
export function makeHeader(
  path: string,
  size: number,
  mode: number,
  isDir: boolean,
  uid: number,
  gid: number,
  type = isDir ? 0x35 /* "5" */ : 0x30, /* "0" */
): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const { name, prefix } = splitName(path) ??
    fail(`tar: path too long for ustar: ${path}`);
  put(h, 0, 100, name);
  octal(h, 100, 8, mode & 0o7777);
  octal(h, 108, 8, uid);
  octal(h, 116, 8, gid);
  octal(h, 124, 12, size);
  octal(h, 136, 12, 0); // mtime: fixed, so the bytes (and Docker's cache) depend on content only
  h.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  h[156] = type;
  put(h, 257, 6, "ustar\0");
  put(h, 263, 2, "00");
  put(h, 265, 32, "root");
  put(h, 297, 32, "root");
  put(h, 345, 155, prefix);
  let sum = 0;
  for (const b of h) sum += b;
  const ck = sum.toString(8).padStart(6, "0");
  put(h, 148, 8, ck + "\0 ");
  return h;
}

/** ustar keeps 100 bytes of name plus a 155-byte prefix, split at a "/"; undefined past that. */
function splitName(path: string): { name: string; prefix: string } | undefined {
  const bytes = enc.encode(path).length;
  if (bytes <= 100) return { name: path, prefix: "" };
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== "/") continue;
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (enc.encode(prefix).length <= 155 && enc.encode(name).length <= 100 && name.length > 0) {
      return { name, prefix };
    }
  }
}

const fail = (message: string): never => {
  throw new Error(message);
};

function put(h: Uint8Array, off: number, len: number, s: string): void {
  const b = enc.encode(s);
  if (b.length > len) throw new Error(`tar: field too long: ${s}`);
  h.set(b, off);
}

function octal(h: Uint8Array, off: number, len: number, n: number): void {
  if (n >= 8 ** (len - 1)) throw new Error(`tar: value ${n} does not fit in ${len} bytes`);
  put(h, off, len, n.toString(8).padStart(len - 1, "0") + "\0");
}
