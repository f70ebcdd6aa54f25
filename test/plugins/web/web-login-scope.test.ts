// The login cookie in a real headless Chromium (test/helpers/browser.ts): log in through the
// printed link, then open pages of another server on this host (the test's own node:http, as a
// hostile dev server would be) on 127.0.0.1, localhost and another *.localhost name; each fetches
// its own /plugins/x. Browsers do not keep cookies apart by port: a cookie set on 127.0.0.1 would
// reach that server, which could replay it with curl. It must never see swarm_web.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { configureLog } from "../../../src/core/log.ts";
import type { HttpServer } from "../../../src/server/http.ts";
import { browserSkip, startBrowser, type WebBrowser } from "../../helpers/browser.ts";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import { serveView } from "../../helpers/view-fetch.ts";
import { within } from "../../helpers/wait.ts";

const TOKEN = "web-scope-token-0123456789abcdef";
const PAGE = `<!doctype html><title>other</title><script>
fetch("/plugins/x").then(() => (document.title = "fetched"));
</script>`;

describe("the login cookie in a real browser reaches no other local server", {
  skip: browserSkip,
}, () => {
  let h: Harness;
  let server: HttpServer;
  let web: WebBrowser;
  let other: Server;
  const seen: { host?: string; url?: string; cookie?: string }[] = [];
  const remember = ({ host, cookie }: IncomingHttpHeaders, url?: string) =>
    seen.push({ host, url, cookie });
  before(async () => {
    configureLog("error", undefined);
    h = await createHarness();
    server = await serveView(h, TOKEN);
    other = createServer((req, res) => {
      remember(req.headers, req.url);
      const page = req.url === "/";
      res.writeHead(200, { "content-type": page ? "text/html" : "text/plain" });
      res.end(page ? PAGE : "x");
    });
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
    web = await startBrowser(server.port, (other.address() as AddressInfo).port);
  });
  after(async () => {
    await web?.close();
    await new Promise((r) => other?.close(r));
    await server?.close();
    await h?.dispose();
  });

  it("logged in by the link, the view works; pages of another port fetch their /plugins/ without it", async () => {
    const ctx = await web.browser.newContext();
    const view = await ctx.newPage();
    view.setDefaultTimeout(10_000);
    const entered = await view.goto(server.loginUrl!);
    assert.equal(entered?.status(), 200, "the login link in the browser");
    await view.locator("#conn", { hasText: "live" }).waitFor();
    const port = (other.address() as AddressInfo).port;
    for (const host of ["127.0.0.1", "localhost", "elsewhere.localhost"]) {
      const p = await ctx.newPage();
      await p.goto(`http://${host}:${port}/`);
      await within(
        p.waitForFunction(() => document.title === "fetched"),
        10_000,
        `the page on ${host}:${port} to fetch its /plugins/x`,
      );
      await p.close();
    }
    const fetched = seen.filter((s) => s.url === "/plugins/x");
    assert.equal(fetched.length, 3, JSON.stringify(seen));
    for (const s of fetched) {
      assert.doesNotMatch(s.cookie ?? "", /swarm_web/, `the cookie reached ${s.host}`);
    }
    await ctx.close();
  });
});
