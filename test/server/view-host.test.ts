// The live view's login cookie on a loopback bind (src/server/browser-login.ts): browsers do not
// keep cookies apart by port, so a cookie set on 127.0.0.1 reaches every other local server. The
// view lives on <random label>.localhost instead: the link names it, the cookie is host-only and
// random per process, and it counts only on requests to exactly that name and port. Non-loopback
// binds keep the bound address. (The browser's side: test/plugins/web/web-login-scope.test.ts.)
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { configureLog } from "../../src/core/log.ts";
import { type HttpServer, serveHttp } from "../../src/server/http.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";
import { fetchView } from "../helpers/view-fetch.ts";

const TOKEN = "view-host-token-0123456789abcdef";
const INFO = { name: "swarm-mcp", version: "test" };
const LINK = /^http:\/\/([a-z2-7]{26})\.localhost:(\d+)\/login\/[\w-]{24}$/;

describe("the live view's own host name on a loopback bind", () => {
  let h: Harness;
  const servers: HttpServer[] = [];
  const start = async (host = "127.0.0.1") => {
    const s = await serveHttp(h.handle.registry, INFO, {
      host,
      port: 0,
      token: TOKEN,
      plugins: h.handle.plugins,
    });
    servers.push(s);
    return s;
  };
  /** Logs in through the server's link; the Set-Cookie line and the bare cookie. */
  const logIn = async (s: HttpServer) => {
    const res = await fetchView(s.loginUrl!, { redirect: "manual" });
    assert.equal(res.status, 303, "the login link");
    const line = res.headers.get("set-cookie") ?? "";
    return { line, cookie: line.split(";")[0]! };
  };
  /** GET the web plugin's run list on `s`'s port, with this Host header. */
  const runs = (s: HttpServer, host: string, headers: Record<string, string>) =>
    fetch(`http://127.0.0.1:${s.port}/plugins/web/api/runs`, { headers: { host, ...headers } })
      .then((r) => r.status);
  let a: HttpServer;
  let b: HttpServer;
  before(async () => {
    configureLog("error", undefined);
    h = await createHarness();
    a = await start();
    b = await start();
  });
  after(async () => {
    for (const s of servers) await s.close();
    await h?.dispose();
  });

  it("the link is on <label>.localhost at the server's port, a new label per server", () => {
    const la = LINK.exec(a.loginUrl ?? "");
    const lb = LINK.exec(b.loginUrl ?? "");
    assert.ok(la && lb, `not on a label of their own: ${a.loginUrl} ${b.loginUrl}`);
    assert.equal(Number(la[2]), a.port);
    assert.notEqual(la[1], lb[1], "two servers share a label");
  });

  it("a login through 127.0.0.1 is refused and spends nothing; the cookie is host-only", async () => {
    const elsewhere = a.loginUrl!.replace(/\/\/[^/]+/, `//127.0.0.1:${a.port}`);
    const res = await fetch(elsewhere, { redirect: "manual" });
    assert.equal(res.status, 401, "a cookie was set on 127.0.0.1");
    assert.equal(res.headers.get("set-cookie"), null);
    const { line } = await logIn(a);
    assert.match(line, /^swarm_web=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\/plugins\/$/);
    assert.doesNotMatch(line, /domain/i);
  });

  it("the cookie counts only on exactly that name and port; never on /mcp", async () => {
    const { cookie } = await logIn(b);
    const view = new URL(b.loginUrl!).host;
    const label = view.split(".")[0]!;
    assert.equal(await runs(b, view, { cookie }), 200, "the view's own host");
    assert.equal(await runs(b, `127.0.0.1:${b.port}`, { cookie }), 401, "127.0.0.1");
    assert.equal(await runs(b, `localhost:${b.port}`, { cookie }), 401, "localhost");
    assert.equal(await runs(b, `${label}.localhost:1`, { cookie }), 401, "another port");
    assert.equal(await runs(b, view, { cookie, origin: "http://127.0.0.1:1" }), 401);
    // The Host guard takes the one name, not *.localhost in general.
    for (const host of [`x${label}.localhost`, `other.localhost`, `${label}.localhost.evil`]) {
      assert.equal(await runs(b, `${host}:${b.port}`, { cookie }), 403, host);
    }
    const mcp = `${new URL(b.loginUrl!).origin}/mcp`;
    const post = (headers: Record<string, string>) =>
      fetchView(mcp, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: "{}",
      });
    assert.equal((await post({ cookie })).status, 401, "the cookie opened /mcp");
    assert.notEqual((await post({ authorization: `Bearer ${TOKEN}` })).status, 401);
  });

  it("the cookie is random per process: another server with the same token refuses it", async () => {
    const c = await start();
    const mine = await logIn(c);
    const other = await start();
    const theirs = await logIn(other);
    assert.notEqual(mine.cookie, theirs.cookie);
    assert.equal(await runs(other, new URL(other.loginUrl!).host, { cookie: mine.cookie }), 401);
  });

  it("a second swarm_web cookie (one planted for Domain=localhost, where a browser takes it) does not lock the view out", async () => {
    const c = await start();
    const { cookie } = await logIn(c);
    const planted = `swarm_web=${"A".repeat(43)}`;
    const view = new URL(c.loginUrl!).host;
    assert.equal(await runs(c, view, { cookie: `${planted}; ${cookie}` }), 200);
    assert.equal(await runs(c, view, { cookie: `${cookie}; ${planted}` }), 200);
    assert.equal(await runs(c, view, { cookie: planted }), 401);
  });

  it("a bind on another address keeps it: the link and the cookie on that address", async () => {
    const s = await start("127.0.0.2"); // loopback, but not a name browsers give *.localhost
    assert.match(s.loginUrl ?? "", /^http:\/\/127\.0\.0\.2:\d+\/login\/[\w-]{24}$/);
    const res = await fetch(s.loginUrl!, { redirect: "manual" });
    const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
    const at = `http://127.0.0.2:${s.port}/plugins/web/api/runs`;
    assert.equal((await fetch(at, { headers: { cookie } })).status, 200);
  });
});
