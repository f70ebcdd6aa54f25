// The --http bearer token when none is given: 32 random bytes (base64url) in <data>/http-token, 0600.
// An existing file is reused only if it is a regular file (not a link) of ours, 0600, holding a
// well-formed token; anything else is replaced by a fresh file (renamed over it, never written through).
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { StartupError } from "../core/loader.ts";
import { callerIds } from "../core/runtime/platform.ts";

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = constants;

export async function httpToken(dataDir: string): Promise<{ token: string; file: string }> {
  const file = join(dataDir, "http-token");
  const kept = await readOwnToken(file);
  if (kept) return { token: kept, file };
  const token = randomBytes(32).toString("base64url");
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${randomBytes(6).toString("hex")}`;
  const fh = await open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  try {
    await fh.writeFile(token + "\n");
    await fh.close();
    await rename(tmp, file);
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw new StartupError(
      `Cannot write the HTTP token file "${file}": ${
        (e as NodeJS.ErrnoException).code ?? e
      }; remove what is there, or give --token`,
    );
  }
  return { token, file };
}

async function readOwnToken(file: string): Promise<string | undefined> {
  // O_NONBLOCK: a FIFO planted in place of the file must not hang the start.
  const fh = await open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK).catch(() => undefined);
  if (!fh) return undefined;
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.uid !== callerIds().uid || (st.mode & 0o777) !== 0o600) return undefined;
    const buf = Buffer.alloc(64);
    const { bytesRead } = await fh.read(buf, 0, 64, 0);
    const text = buf.subarray(0, bytesRead).toString("utf8").trim();
    return TOKEN.test(text) ? text : undefined;
  } finally {
    await fh.close();
  }
}
