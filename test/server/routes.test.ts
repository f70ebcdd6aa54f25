// Plugin routes in --http mode (Plugin.routes), on the fake-runtime harness: the events-route
// fixture serves what core.events told it, behind the same Host, Origin and token checks as /mcp;
// an SSE route outlives the connection idle timeout; a throwing handler is a 500, not a crash; a
// plugin that declares a bad route stops the start with one sentence.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { configureLog } from "../../src/core/log.ts";
import type { SwarmEvent } from "../../src/core/types.ts";
import { type HttpServer, serveHttp } from "../../src/server/http.ts";
import type { RoutedPlugin } from "../../src/server/routes.ts";
import eventsRoute from "../fixtures/plugins/events-route.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";
import { rawHttp } from "../helpers/raw-http.ts";
import { fetchView } from "../helpers/view-fetch.ts";
import { until, within } from "../helpers/wait.ts";

const TOKEN = "route-test-token-0123456789";
const AUTH = { authorization: `Bearer ${TOKEN}` };
const INFO = { name: "swarm-mcp", version: "test" };

describe("plugin routes over --http", () => {
  let h: Harness;
  let server: HttpServer;
  let base = "";
  before(async () => {
    h = await createHarness({ plugins: { "test-events": eventsRoute } });
    server = await serveHttp(h.handle.registry, INFO, {
      host: "127.0.0.1",
      port: 0,
      token: TOKEN,
      connectionIdleS: 1,
      plugins: h.handle.plugins,
    });
    base = `http://127.0.0.1:${server.port}/plugins/test-events`;
  });
  after(async () => {
    await server?.close();
    await h?.dispose();
  });
  const raw = (path: string, headers: string[]) =>
    rawHttp(
      server.port,
      [`GET /plugins/test-events${path} HTTP/1.1`, ...headers, "connection: close"].join("\r\n") +
        "\r\n\r\n",
    );

  it("GET /plugins/<name>/events answers what the plugin saw of a run", async () => {
    const r = await h.call("par", { tasks: [{ prompt: "a" }, { prompt: "b" }] });
    assert.equal(r.isError, false, r.text);
    const res = await fetch(`${base}/events`, { headers: AUTH });
    assert.equal(res.status, 200);
    const mine = ((await res.json()) as SwarmEvent[]).filter((e) =>
      "run_id" in e ? e.run_id === r.data.run_id : e.ref.run_id === r.data.run_id
    );
    assert.equal(mine[0]?.type, "run.started");
    assert.deepEqual(mine.at(-1), {
      type: "run.finished",
      run_id: r.data.run_id,
      status: "done",
      cost_usd: 0.02,
    });
    assert.equal(mine.filter((e) => e.type === "agent.finished").length, 2);
  });

  it("the same checks as /mcp: no or wrong token → 401, foreign Host or Origin → 403", async () => {
    assert.equal((await fetch(`${base}/events`)).status, 401);
    const wrong = await fetch(`${base}/events`, { headers: { authorization: "Bearer nope-nope" } });
    assert.equal(wrong.status, 401);
    assert.match(await wrong.text(), /bearer token is required/);
    const auth = `authorization: Bearer ${TOKEN}`;
    const foreignHost = await raw("/events", ["host: evil.example", auth]);
    assert.equal(foreignHost.status, 403);
    assert.match(foreignHost.body, /foreign Host/);
    const host = `host: 127.0.0.1:${server.port}`;
    const foreignOrigin = await raw("/events", [host, auth, "origin: http://evil.example"]);
    assert.equal(foreignOrigin.status, 403);
    assert.match(foreignOrigin.body, /foreign Origin/);
    assert.equal(
      (await raw("/events", [host, auth])).status,
      200,
      "the raw request itself is fine",
    );
  });

  it("only the declared paths and methods: others are 404", async () => {
    for (const path of ["/nope", "/events/x", "/../events"]) {
      const res = await fetch(`${base}${path}`, { headers: AUTH });
      assert.equal(res.status, 404, path);
    }
    assert.equal((await fetch(`${base}/events`, { method: "POST", headers: AUTH })).status, 404);
    const other = `http://127.0.0.1:${server.port}/plugins/other/events`;
    assert.equal((await fetch(other, { headers: AUTH })).status, 404);
  });

  it("HEAD of an SSE route answers its headers and leaves no stream open; nor does a GET that goes", async () => {
    const open = async () =>
      ((await (await fetch(`${base}/streams`, { headers: AUTH })).json()) as { open: number }).open;
    assert.equal(await open(), 0);
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${base}/live`, { method: "HEAD", headers: AUTH });
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
    }
    await until("the HEAD requests' streams to be closed", async () => (await open()) === 0, 2000);
    const gone = new AbortController();
    const res = await fetch(`${base}/live`, { headers: AUTH, signal: gone.signal });
    await within(res.body!.getReader().read(), 2000, "the stream's first line");
    assert.equal(await open(), 1);
    gone.abort();
    await until(
      "the stream of a client that went to be closed",
      async () => (await open()) === 0,
      2000,
    );
  });

  it("the login cookie counts only from the view's own origin: another port of this host is refused", async () => {
    const login = await fetchView(server.loginUrl!, { redirect: "manual" });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
    const own = new URL(server.loginUrl!).origin; // the view's own name (view-host.test.ts)
    const view = `${own}/plugins/test-events`;
    const poke = (origin?: string, auth: Record<string, string> = { cookie }) =>
      fetchView(`${view}/poke`, {
        method: "POST",
        headers: { ...auth, "content-type": "text/plain", ...(origin ? { origin } : {}) },
        body: "x",
      }).then((r) => r.status);
    assert.equal(await poke(own), 200, "the view's own page");
    assert.equal(await poke("http://127.0.0.1:1"), 401, "a page on another port (same site)");
    assert.equal(await poke("http://localhost:" + server.port), 401, "another host name");
    assert.equal(await poke(), 401, "a write that names no origin");
    assert.equal(await poke("http://127.0.0.1:1", AUTH), 200, "a bearer token is no ambient right");
    const read = (origin?: string) =>
      fetchView(`${view}/events`, { headers: { cookie, ...(origin ? { origin } : {}) } }).then((
        r,
      ) => r.status);
    assert.equal(await read(), 200, "a same-origin GET sends no Origin");
    assert.equal(await read(own), 200);
    assert.equal(await read("http://127.0.0.1:1"), 401);
  });

  it("a handler that throws is a 500 naming the route; the server keeps serving", async () => {
    const res = await fetch(`${base}/boom`, { headers: AUTH });
    assert.equal(res.status, 500);
    assert.match(await res.text(), /Internal error in \/plugins\/test-events\/boom/);
    assert.equal((await fetch(`${base}/events`, { headers: AUTH })).status, 200);
  });

  it("an SSE route streams events live and outlives the 1 s connection idle timeout", {
    timeout: 20_000,
  }, async () => {
    const stop = new AbortController();
    try {
      const res = await fetch(`${base}/live`, { headers: AUTH, signal: stop.signal });
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
      const reader = res.body!.getReader();
      // Silent for longer than the idle timeout: Bun checks it every 4 s or so.
      await new Promise((r) => setTimeout(r, 6500));
      const r = await h.call("run", { prompt: "live" });
      assert.equal(r.isError, false, r.text);
      let text = "";
      const finished = `"run_id":"${r.data.run_id}","status":"done"`;
      await within(
        (async () => {
          while (!text.includes(finished)) {
            const { value, done } = await reader.read();
            if (done) throw new Error(`the stream ended early: ${text}`);
            text += new TextDecoder().decode(value);
          }
        })(),
        5000,
        "run.finished on the SSE stream",
      );
      assert.match(text, /^: listening\n\n/);
      assert.match(text, /event: run\.started\ndata: \{"type":"run\.started"/);
    } finally {
      stop.abort();
    }
  });
});

describe("plugin routes refused at start", () => {
  const start = (plugin: RoutedPlugin) =>
    serveHttp(h0(), INFO, { host: "127.0.0.1", port: 0, token: TOKEN, plugins: [plugin] });
  const h0 = () => ({ list: () => [] }) as never;
  configureLog(process.env.SWARM_LOG_LEVEL ?? "error", undefined);

  const bad: [string, RoutedPlugin, RegExp][] = [
    ["a path with ..", {
      name: "p",
      routes: (app) => app.get("/../mcp", () => new Response()),
    }, /Cannot mount route "\/\.\.\/mcp" of plugin "p": a path is segments/],
    ["a path without a slash", {
      name: "p",
      routes: (app) => app.get("events", () => new Response()),
    }, /Cannot mount route "events"/],
    ["a pattern", {
      name: "p",
      routes: (app) => app.post("/runs/:id", () => new Response()),
    }, /Cannot mount route "\/runs\/:id"/],
    ["the same route twice", {
      name: "p",
      routes: (app) => (app.get("/a", () => new Response()), app.get("/a", () => new Response())),
    }, /Cannot mount GET \/plugins\/p\/a twice: plugin "p"/],
    ["routes() throwing", {
      name: "p",
      routes: () => {
        throw new Error("not today");
      },
    }, /Cannot mount the routes of plugin "p": not today/],
  ];
  for (const [what, plugin, message] of bad) {
    it(what, async () => {
      await assert.rejects(start(plugin), message);
    });
  }
});
