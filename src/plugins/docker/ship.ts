// The agent's dirs on a remote engine (remote.ts): copied into the created container through the
// archive endpoint before it starts (owned by the user it runs as), and the writable ones copied
// back after it exits, into the same host dirs, by untar.ts's rules for agent-made archives.
import { constants } from "node:fs";
import { lstat, open, readdir, rm } from "node:fs/promises";
import { join, posix, sep } from "node:path";
import { Readable } from "node:stream";
import { CALL_TIMEOUT_MS, containerPath, type DockerApi, status } from "./docker-api.ts";
import { refuse } from "./runtime-error.ts";
import { entryHeaders } from "./tar.ts";
import { untar } from "./untar.ts";

export interface ShippedDir {
  host: string;
  container: string;
  writable: boolean;
}

export interface ShipLimits {
  maxBytes: number;
  maxEntries: number;
}

export function shipLimits(env: Record<string, string | undefined>): ShipLimits {
  const n = (v: string | undefined, d: number) => (Number(v) > 0 ? Number(v) : d);
  return {
    maxBytes: n(env.SWARM_REMOTE_MAX_BYTES, 1 << 30),
    maxEntries: n(env.SWARM_REMOTE_MAX_ENTRIES, 100_000),
  };
}

/** PUT the dirs' content (regular files and dirs; links are neither followed nor sent) at "/",
 * streamed: only the list of names is held in memory, each file is read as it is sent. Files
 * `skip` names (host paths) stay behind (the swarm runtime mounts them as secrets). Returns the
 * host paths sent, for shipOut. */
export async function shipIn(
  api: DockerApi,
  id: string,
  dirs: ShippedDir[],
  owner: { uid: number; gid: number },
  limits: ShipLimits,
  skip?: Set<string>,
): Promise<string[]> {
  const entries: Entry[] = [];
  const sent: string[] = [];
  const parents = new Set<string>();
  let bytes = 0;
  const walk = async (host: string, name: string): Promise<void> => {
    for (const e of await readdir(host)) {
      // readdir gives names as UTF-8: one that is not (a repo may hold it) is not found again.
      const path = join(host, e),
        st = await lstat(path).catch(() =>
          refuse(
            "invalid",
            `Cannot send ${
              JSON.stringify(path)
            } to the remote Docker engine at ${api.endpoint}: its name is not UTF-8, or it went meanwhile; rename it`,
          )
        );
      if (entries.length > limits.maxEntries || bytes > limits.maxBytes) {
        refuse(
          "invalid",
          `Cannot send ${
            JSON.stringify(host)
          } to the remote Docker engine at ${api.endpoint}: over ${limits.maxEntries} files or ${limits.maxBytes} bytes; send less, or raise SWARM_REMOTE_MAX_BYTES / SWARM_REMOTE_MAX_ENTRIES`,
        );
      }
      const mode = st.mode & 0o777;
      if (st.isDirectory() || (st.isFile() && !skip?.has(path))) sent.push(path);
      if (st.isDirectory()) {
        entries.push({ name: `${name}/${e}/`, mode, size: 0 });
        await walk(path, `${name}/${e}`);
      } else if (st.isFile() && !skip?.has(path)) {
        bytes += st.size;
        entries.push({ name: `${name}/${e}`, mode, size: st.size, path });
      }
    }
  };
  for (const d of dirs) {
    const name = d.container.replace(/^\/+|\/+$/g, "");
    // Parents the image may lack (a custom workdir): root's, as Docker would make them.
    const up = name.split("/").slice(0, -1);
    up.forEach((_, i) => parents.add(up.slice(0, i + 1).join("/")));
    entries.push({ name: `${name}/`, mode: 0o755, size: 0 });
    await walk(d.host, name);
  }
  const head = [...parents].filter((p) => !dirs.some((d) => d.container === `/${p}`))
    .map((p): Entry => ({ name: `${p}/`, mode: 0o755, size: 0, root: true }));
  await api.call({
    method: "PUT",
    path: containerPath(id, "/archive"),
    query: { path: "/" },
    file: Readable.from(stream([...head, ...entries], owner)),
    ok: [200],
    timeoutMs: CALL_TIMEOUT_MS + Math.ceil(bytes / 1000), // the bytes at 1 MB/s at least
  });
  return sent;
}

interface Entry {
  name: string;
  mode: number;
  size: number;
  /** The host file (regular files only). */
  path?: string;
  root?: boolean;
}

/** The archive, block by block: a header, then the file read without following a link, cut or
 * zero-padded to the size announced (a file that changed meanwhile cannot break the framing). */
async function* stream(entries: Entry[], owner: { uid: number; gid: number }) {
  for (const e of entries) {
    const ids = e.root ? [0, 0] : [owner.uid, owner.gid];
    let headers;
    try {
      headers = entryHeaders(e.name, e.size, e.mode, !e.path, ids[0]!, ids[1]!);
    } catch (err) {
      refuse("invalid", `Cannot send ${JSON.stringify(e.name)}: ${(err as Error).message}`);
    }
    yield* headers;
    if (!e.path) continue;
    const fh = await open(e.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      let left = e.size;
      const buf = Buffer.alloc(Math.min(1 << 20, Math.max(e.size, 1)));
      while (left > 0) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, left));
        if (bytesRead === 0) break;
        yield Buffer.from(buf.subarray(0, bytesRead));
        left -= bytesRead;
      }
      const pad = left + ((512 - (e.size % 512)) % 512);
      if (pad) yield Buffer.alloc(pad);
    } finally {
      await fh.close();
    }
  }
  yield Buffer.alloc(1024); // the end: two zero blocks
}

/** GET the writable dirs back into their host dirs. What shipIn `sent` that did not come back (the
 * agent removed it, or made it a link) goes from the host dir too, as it would from a bind mount:
 * a commit of the workspace then holds the agent's deletions. */
export async function shipOut(
  api: DockerApi,
  id: string,
  dirs: ShippedDir[],
  limits: ShipLimits,
  sent: string[] = [],
): Promise<void> {
  // In parallel: each is a round trip in which the engine mounts the container's filesystem.
  const tally = { bytes: 0, entries: 0, seen: new Set<string>() };
  const read: string[] = []; // host dirs whose archive was read whole
  await Promise.all(
    dirs.filter((d) => d.writable).map(async (d) => {
      let body;
      try {
        body = await api.stream({
          method: "GET",
          path: containerPath(id, "/archive"),
          query: { path: posix.normalize(d.container) },
          ok: [200],
        });
      } catch (e) {
        // No such dir (or no such container): nothing came back, nothing is removed either.
        if (status(e) === 404) return;
        throw e;
      }
      try {
        const what = `${d.container} from container ${id.slice(0, 12)}`;
        await untar(body, d.host, limits, what, tally);
        read.push(d.host + sep);
      } finally {
        body.destroy();
      }
    }),
  );
  const under = (p: string) => read.some((d) => p.startsWith(d));
  for (const p of sent) {
    if (!tally.seen.has(p) && under(p)) {
      await rm(p, { recursive: true, force: true }).catch(() => {});
    }
  }
}
