// A service's output into the agent's files. Swarm's log follow misses a task scheduled after it
// was opened and never ends when a job does, so it serves progress only: opened once the task has a
// container, closed when it ends; then the whole log is read once more, demultiplexed with
// backpressure into fresh files that replace the followed ones, so the files are always complete.
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import type { Readable } from "node:stream";
import { type DockerApi, GIVE_UP_MS } from "../docker/docker-api.ts";
import { pumpDemuxed } from "../docker/demux.ts";
import type { DockerRunOptions } from "../docker/types.ts";

const logsPath = (id: string) => `/services/${encodeURIComponent(id)}/logs`;

/** Follow the running task's output into the files until `stop` (idempotent). */
export async function followLogs(api: DockerApi, id: string, o: DockerRunOptions) {
  const [out, err] = [await open(o.stdoutFile), await open(o.stderrFile)];
  const res: Readable | null = await api.stream({
    method: "GET",
    path: logsPath(id),
    query: { follow: 1, stdout: 1, stderr: 1 },
    ok: [200],
    timeoutMs: GIVE_UP_MS,
  }).catch(() => null); // progress only: the final read says what the agent printed
  const pump = res ? pumpDemuxed(res, out, err).catch(() => {}) : Promise.resolve();
  let stopped: Promise<void> | undefined;
  return {
    stop: () =>
      stopped ??= (async () => {
        res?.destroy();
        await pump;
        await Promise.all([close(out), close(err)]);
      })(),
  };
}

/** The whole log into fresh files that then replace the agent's; `within` bounds it (0: none). */
export async function copyLogs(api: DockerApi, id: string, o: DockerRunOptions, within: number) {
  const tmp = [`${o.stdoutFile}.swarm-tmp`, `${o.stderrFile}.swarm-tmp`] as const;
  const [out, err] = [await open(tmp[0]), await open(tmp[1])];
  const dropped = async (e: unknown): Promise<never> => {
    await Promise.all(tmp.map((f) => rm(f, { force: true })));
    throw e;
  };
  const cut = new AbortController();
  const timer = within ? setTimeout(() => cut.abort(), within) : 0;
  try {
    const res = await api.stream({
      method: "GET",
      path: logsPath(id),
      query: { stdout: 1, stderr: 1 },
      ok: [200],
      signal: cut.signal,
    });
    cut.signal.addEventListener("abort", () => res.destroy(), { once: true });
    await pumpDemuxed(res, out, err);
  } catch (e) {
    if (!cut.signal.aborted) await dropped(e);
  } finally {
    clearTimeout(timer);
    await Promise.all([close(out), close(err)]);
  }
  const failed = out.errored ?? err.errored;
  if (failed) await dropped(failed);
  await rename(tmp[0], o.stdoutFile);
  await rename(tmp[1], o.stderrFile);
}

async function open(path: string): Promise<WriteStream> {
  const ws = createWriteStream(path, { mode: 0o600 });
  ws.on("error", () => {}); // read from ws.errored after close
  await once(ws, "open");
  return ws;
}

async function close(ws: WriteStream): Promise<void> {
  if (ws.closed) return;
  const closed = once(ws, "close").catch(() => undefined);
  ws.end();
  await closed;
}
