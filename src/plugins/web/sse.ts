// One SSE stream per open page: every lifecycle event as it happens, and, on an agent's page, the
// tail of its stream whenever the file grew (the one file read on a timer, and only while watched).
import type { Core } from "../../core/types.ts";
import { agentRow } from "./api.ts";
import type { Live } from "./live.ts";
import { tailOf } from "./tail.ts";

const TAIL_EVERY_MS = 400;
const PING_EVERY_MS = 15_000;
/** Bytes queued for a page that does not read them; past this the stream is dropped (the page's
 * EventSource reconnects). Bytes, not events: one tail of an agent's stream can be 800 KB as JSON. */
const MAX_QUEUED_BYTES = 2 << 20;

export function sse(core: Core, live: Live, req: Request): Response {
  const ref = new URL(req.url).searchParams.get("tail");
  if (ref !== null) core.refs.parse(ref); // INVALID_INPUT before the stream starts
  const enc = new TextEncoder();
  let stop = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(ctl) {
      let closed = false; // a tail read may finish after the page left
      const send = (event: string, data: unknown) => {
        if (closed) return;
        if ((ctl.desiredSize ?? 0) < -MAX_QUEUED_BYTES) return stop();
        ctl.enqueue(enc.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
      };
      const off = live.subscribe((e) =>
        send("swarm", e.type === "agent.finished" ? { ...e, ref: agentRow(e.ref) } : e)
      );
      const ping = setInterval(() => send("ping", {}), PING_EVERY_MS);
      let seen = "";
      let busy = false;
      const tail = ref === null ? undefined : setInterval(async () => {
        if (busy) return;
        busy = true;
        try {
          const t = await tailOf(core, ref);
          if (`${t.size} ${t.skipped}` !== seen) send("tail", t);
          seen = `${t.size} ${t.skipped}`;
        } catch (e) {
          send("tail", { size: 0, items: [], skipped: (e as Error).message });
        } finally {
          busy = false;
        }
      }, TAIL_EVERY_MS);
      stop = () => {
        closed = true;
        off();
        clearInterval(ping);
        clearInterval(tail);
        try {
          ctl.close();
        } catch { /* closed already */ }
      };
      req.signal.addEventListener("abort", stop, { once: true });
      send("hello", { at: new Date().toISOString() });
    },
    cancel: () => stop(),
  }, new ByteLengthQueuingStrategy({ highWaterMark: 64 << 10 }));
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-store" },
  });
}
