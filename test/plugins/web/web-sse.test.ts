// The web view's SSE stream (sse.ts) over real HTTP: 200 pages that open /events (half of them
// tailing an agent's stream) and go away, by closing the connection or with a HEAD, leave no
// subscription to the run events and no timer reading the stream behind; a page that stops reading
// is dropped once 2 MB wait for it, however big each event is.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { appendFile } from "node:fs/promises";
import { connect } from "node:net";
import { configureLog } from "../../../src/core/log.ts";
import type { Core, PluginFactory } from "../../../src/core/types.ts";
import type { HttpServer } from "../../../src/server/http.ts";
import { createLive } from "../../../src/plugins/web/live.ts";
import { sse } from "../../../src/plugins/web/sse.ts";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import { serveView } from "../../helpers/view-fetch.ts";
import { until, within } from "../../helpers/wait.ts";

const TOKEN = "web-sse-token-0123456789abcdef";
const AUTH = { authorization: `Bearer ${TOKEN}` };

describe("web SSE streams that end", () => {
  let h: Harness;
  let server: HttpServer;
  let subscribed = 0;
  let reads = 0;
  /** The web plugin's /events, with its subscriptions and the stream reads counted. */
  const counted: PluginFactory = (core) => {
    const live = createLive(core.events);
    const watched = {
      ...live,
      subscribe: (fn: Parameters<typeof live.subscribe>[0]) => {
        subscribed++;
        const off = live.subscribe(fn);
        return () => (subscribed--, off());
      },
    };
    const read: Core["refs"]["read"] = (...a) => (reads++, core.refs.read(...a));
    const seen = { ...core, refs: { ...core.refs, read } } as Core;
    return {
      name: "sse-count",
      routes: (app) => app.get("/events", (req) => sse(seen, watched, req)),
      dispose: () => live.dispose(),
    };
  };
  before(async () => {
    configureLog("error", undefined);
    h = await createHarness({ plugins: { "sse-count": counted } });
    server = await serveView(h, TOKEN);
  });
  after(async () => {
    await server?.close();
    await h?.dispose();
  });

  it(
    "200 pages come and go: no subscription and no tail timer is left",
    { timeout: 60_000 },
    async () => {
      const r = await h.call("run", { prompt: "tailed" });
      assert.equal(r.isError, false, r.text);
      const url = `http://127.0.0.1:${server.port}/plugins/sse-count/events`;
      for (let i = 0; i < 200; i++) {
        const tail = i % 2 ? `?tail=${encodeURIComponent(r.data.ref)}` : "";
        if (i % 10 === 9) {
          const head = await fetch(url + tail, { method: "HEAD", headers: AUTH });
          assert.equal(head.status, 200);
          continue;
        }
        const gone = new AbortController();
        const res = await fetch(url + tail, { headers: AUTH, signal: gone.signal });
        assert.equal(res.status, 200);
        await within(res.body!.getReader().read(), 2000, `page ${i}'s hello`);
        gone.abort();
      }
      await until("every stream's subscription to end", () => subscribed === 0, 3000, 50);
      const before = reads;
      await new Promise((r) => setTimeout(r, 1000)); // over two tail periods (400 ms)
      assert.equal(reads - before, 0, "the tail of a page that left is still read");
    },
  );

  it("a page that stops reading while an agent floods its stream is dropped past 2 MB queued", {
    timeout: 60_000,
  }, async () => {
    const r = await h.call("run", { prompt: "flood" });
    const stream = h.core.refs.paths(r.data.run_id, r.data.agent_id).stream;
    const stuck = connect(server.port, "127.0.0.1");
    stuck.pause(); // never reads: what the kernel's buffers do not take queues in the server
    try {
      stuck.write(
        `GET /plugins/sse-count/events?tail=${encodeURIComponent(r.data.ref)} HTTP/1.1\r\n` +
          `host: 127.0.0.1:${server.port}\r\nauthorization: Bearer ${TOKEN}\r\n\r\n`,
      );
      await until("the stuck page's stream to start", () => subscribed === 1, 3000, 20);
      // Lines of control bytes: 2 KB each in the file, 12 KB each as JSON on the stream, so each
      // tail the page is sent is about 770 KB.
      const line = "\x01".repeat(2000) + "\n";
      let grown = 0;
      await until(
        "the stuck page's stream to be dropped",
        async () => {
          await appendFile(stream, line.repeat(64) + `${grown++}\n`);
          return subscribed === 0;
        },
        40_000,
        400,
      );
    } finally {
      stuck.destroy();
    }
  });
});
