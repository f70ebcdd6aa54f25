// Splits Docker's multiplexed attach stream (Tty: false) into two writable streams, with
// backpressure: while a file cannot keep up we stop reading the socket, so memory stays flat
// whatever the output size. docker-modem's own demuxStream ignores write() results and
// concatenates buffers, which is why it is not used here.
import { once } from "node:events";
import type { Readable, Writable } from "node:stream";
import type { ReportStripper } from "./ship-report.ts";

const HEADER = 8;
const GC_EVERY = 16 * 1024 * 1024; // bytes streamed between GC nudges: keeps RSS flat on big outputs

/** Ask for a collection now (Bun, or Node with --expose-gc; a no-op elsewhere): streamed chunks
 * leave garbage the collector would otherwise keep for a while. */
function nudgeGc(): void {
  const g = globalThis as { Bun?: { gc(sync: boolean): void }; gc?: () => void };
  if (g.Bun) g.Bun.gc(true);
  else g.gc?.();
}

/** Resolves when the socket ends (or is destroyed without error); rejects on a write error.
 * `strip` takes the wrapper's exit report out of stderr (ship-report.ts). */
export async function pumpDemuxed(
  sock: Readable,
  stdout: Writable,
  stderr: Writable,
  strip?: ReportStripper,
): Promise<void> {
  const header = new Uint8Array(HEADER);
  let headerLen = 0;
  let remaining = 0; // payload bytes left in the current frame
  let target: Writable = stdout;
  let raw = false; // not a multiplexed stream after all: copy everything to stdout

  let sinceGc = 0;
  const write = async (w: Writable, data: Uint8Array): Promise<void> => {
    const chunk = strip && w === stderr ? strip.push(data) : data;
    if (chunk.length === 0) return;
    if (!w.write(chunk)) await drained(w);
    if ((sinceGc += chunk.length) >= GC_EVERY) {
      sinceGc = 0;
      nudgeGc();
    }
  };

  // A file that fails (disk full) ends the pump with that error instead of an unhandled event.
  const onError = (e: Error) => sock.destroy(e);
  stdout.on("error", onError);
  stderr.on("error", onError);
  try {
    for await (const data of sock) {
      const chunk: Uint8Array = typeof data === "string" ? Buffer.from(data) : data;
      let off = 0;
      while (off < chunk.length) {
        if (raw) {
          await write(stdout, chunk.subarray(off));
          break;
        }
        if (remaining > 0) {
          const n = Math.min(remaining, chunk.length - off);
          await write(target, chunk.subarray(off, off + n));
          remaining -= n;
          off += n;
          continue;
        }
        const n = Math.min(HEADER - headerLen, chunk.length - off);
        header.set(chunk.subarray(off, off + n), headerLen);
        headerLen += n;
        off += n;
        if (headerLen < HEADER) break;
        headerLen = 0;
        const kind = header[0];
        if (kind !== 0 && kind !== 1 && kind !== 2) {
          // A TTY-mode stream has no frame headers; keep the bytes rather than drop them.
          raw = true;
          await write(stdout, header.slice());
          continue;
        }
        target = kind === 2 ? stderr : stdout;
        remaining = new DataView(header.buffer).getUint32(4);
      }
    }
    const rest = strip?.end();
    if (rest?.length && !stderr.write(rest)) await drained(stderr);
  } catch (e) {
    const failed = stdout.errored ?? stderr.errored;
    if (failed) throw failed;
    // The socket is destroyed on purpose after a kill; losing the tail of a killed container is fine.
    if ((e as { code?: string }).code !== "ERR_STREAM_PREMATURE_CLOSE" && !isSocketReset(e)) {
      throw e;
    }
  } finally {
    stdout.off("error", onError);
    stderr.off("error", onError);
  }
  const failed = stdout.errored ?? stderr.errored;
  if (failed) throw failed;
}

function isSocketReset(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return code === "ECONNRESET" || code === "EPIPE" || code === "ABORT_ERR";
}

/** Wait for 'drain', but give up if the stream errors or closes first (the error surfaces on end). */
async function drained(w: Writable): Promise<void> {
  if (w.destroyed) throw w.errored ?? new Error("output stream closed");
  const ac = new AbortController();
  try {
    await Promise.race([
      once(w, "drain", { signal: ac.signal }),
      once(w, "close", { signal: ac.signal }).then(() => {
        throw w.errored ?? new Error("output stream closed");
      }),
    ]);
  } finally {
    ac.abort();
  }
}
