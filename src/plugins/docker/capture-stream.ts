// The "stream" way of capturing (see capture.ts): the attach connection, hijacked before start so
// no output is missed, carries stdin in and the multiplexed output out to the two files, with
// backpressure all the way (demux.ts).
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import type { Duplex, Readable } from "node:stream";
import type { Logger } from "../../core/types.ts";
import type { DockerRunOptions } from "./types.ts";
import type { Capture } from "./capture.ts";
import { containerPath, type DockerApi } from "./docker-api.ts";
import { pumpDemuxed } from "./demux.ts";
import type { ReportStripper } from "./ship-report.ts";

/** `onBroken` is called when an output file fails (disk full): the container should be stopped.
 * `strip` takes the ship wrapper's exit report out of stderr (ship-report.ts). */
export async function streamCapture(
  api: DockerApi,
  log: Logger,
  o: DockerRunOptions,
  onBroken: () => void,
  strip?: ReportStripper,
): Promise<Capture> {
  const input = o.stdinFile !== undefined ? await readFile(o.stdinFile) : undefined;
  const out = await openOut(o.stdoutFile);
  const err = await openOut(o.stderrFile).catch(async (
    e,
  ) => (await closeOut(out), Promise.reject(e)));
  let sock: Duplex | undefined;
  let pumping: Promise<void> = Promise.resolve();
  const stdin = input !== undefined;
  return {
    config: {
      AttachStdin: stdin,
      OpenStdin: stdin,
      StdinOnce: stdin,
      AttachStdout: true,
      AttachStderr: true,
    },
    binds: [],
    async beforeStart(id) {
      sock = await api.hijack({
        method: "POST",
        path: containerPath(id, "/attach"),
        query: { stream: 1, stdin: stdin ? 1 : 0, stdout: 1, stderr: 1 },
        ok: [101, 200],
      });
      pumping = pumpDemuxed(sock as Readable, out, err, strip);
      pumping.catch(onBroken); // a failed write stops reading; the container must not block on a full pipe
      if (input !== undefined) {
        // Docker keeps what arrives before start; the half-close becomes EOF on the container's stdin.
        if (input.length) sock.write(input);
        sock.end();
      }
    },
    async afterExit(id, _exitCode, hurry) {
      // The attach stream ends once the engine has copied the last bytes; wait for it, within reason.
      const grace = hurry ? 1000 : 10_000;
      const ended = await Promise.race([pumping.then(() => true), sleep(grace).then(() => false)]);
      if (!ended) {
        log.warn(
          `container ${
            id.slice(0, 12)
          }: output stream still open ${grace} ms after exit; closing it`,
        );
      }
      sock?.destroy();
      // Flushed and closed before we answer: callers read these files next.
      await Promise.all([closeOut(out), closeOut(err)]);
      const failed = out.errored ?? err.errored;
      if (failed) throw failed;
    },
    async close() {
      sock?.destroy();
      await Promise.all([closeOut(out), closeOut(err)]);
    },
  };
}

async function openOut(path: string): Promise<WriteStream> {
  const ws = createWriteStream(path, { mode: 0o600 });
  await once(ws, "open");
  // Errors are read from ws.errored (by the pump and after close); never an unhandled event.
  ws.on("error", () => {});
  return ws;
}

async function closeOut(ws: WriteStream): Promise<void> {
  if (ws.closed) return;
  const closed = once(ws, "close").catch(() => undefined);
  ws.end();
  await closed;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.());
