// What a hostile agent leaves, shown by the live view in a real headless Chromium (test/helpers/
// browser.ts): markup and script in its output, its stream (text, a tool's name and input), the
// names of its files, its tool-call log and its prompt; terminal escapes, invalid UTF-8 and a 90 KB
// line. Every byte must reach the page as text: no element made from it, no script run, no page
// error, and the page still renders. Also a hand-edited link with a broken escape in its hash.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { appendFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { configureLog } from "../../../src/core/log.ts";
import type { HttpServer } from "../../../src/server/http.ts";
import { browserSkip, startBrowser, type WebBrowser } from "../../helpers/browser.ts";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import { serveView } from "../../helpers/view-fetch.ts";

const TOKEN = "web-hostile-token-0123456789abcdef";
/** Each sets window.__pwned if it ever runs; `n` tells which one did. */
const html = (n: number) => `<img src=x onerror="window.__pwned=${n}">`;
const ESC = "\x1b]0;owned\x07\x1b[2J\x1b[31m";

describe("a hostile agent's bytes on the page", { skip: browserSkip }, () => {
  let h: Harness;
  let server: HttpServer;
  let web: WebBrowser;
  let page: Page;
  const errors: string[] = [];
  before(async () => {
    configureLog("error", undefined);
    h = await createHarness();
    server = await serveView(h, TOKEN);
    web = await startBrowser(server.port);
    const ctx = await web.browser.newContext({
      extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` },
    });
    page = await ctx.newPage();
    page.setDefaultTimeout(10_000);
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("dialog", (d) => (errors.push(`dialog: ${d.message()}`), void d.dismiss()));
  });
  after(async () => {
    await web?.close();
    await server?.close();
    await h?.dispose();
  });

  const rendered = async () => {
    await page.waitForFunction(() =>
      document.body.dataset.rendered && !/Loading…/.test(
        document.getElementById("view")!.innerText,
      )
    );
    const made = await page.evaluate(() => ({
      pwned: (window as { __pwned?: number }).__pwned ?? null,
      elements: document.querySelectorAll("#view img, #view script, #view iframe, #view [onerror]")
        .length,
      text: document.getElementById("view")!.innerText,
    }));
    assert.equal(made.pwned, null, "a script of the agent's ran");
    assert.equal(made.elements, 0, "an element was made from the agent's bytes");
    assert.deepEqual(errors, []);
    return made.text;
  };

  it("output, stream, file names, tool log and prompt are text; escapes and bad UTF-8 too", async () => {
    const text = html(1).replace(/"/g, "'");
    const r = await h.call("run", {
      prompt: `${html(2)}</pre><script>window.__pwned=3</script>${ESC} [[fake text="${text}"]]`,
    });
    assert.equal(r.isError, false, r.text);
    const paths = h.core.refs.paths(r.data.run_id, r.data.agent_id);
    const say = (content: unknown) =>
      JSON.stringify({ type: "assistant", message: { content: [content] } }) + "\n";
    await appendFile(paths.stream, `${"<b>".repeat(30_000)}\n`);
    await appendFile(paths.stream, say({ type: "text", text: `${html(4)}${ESC}` }));
    await appendFile(paths.stream, say({ type: "tool_use", name: html(5), input: { x: html(6) } }));
    await appendFile(paths.stream, Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x0a]));
    await appendFile(paths.stream, say({ type: "text", text: "the last words" }));
    await writeFile(join(paths.workspace, html(7).replace(/\//g, "_")), "x");
    await writeFile(join(paths.out, "artifacts.jsonl"), `${html(8)}\n`);
    await page.goto(`${web.origin}/plugins/web/index.html#/agent/${r.data.ref}`);
    const shown = await rendered();
    for (const n of [1, 2, 4, 5, 7]) {
      assert.ok(shown.includes(`window.__pwned=${n}`), `markup ${n} is not shown as text`);
    }
    assert.ok(shown.includes("the last words"), "the tail stops early");
    assert.ok(shown.includes("<b>".repeat(600)), "the long line is not shown");
    assert.ok(!shown.includes("<b>".repeat(700)), "a 90 KB line is shown whole, not clipped");
    await page.goto(`${web.origin}/plugins/web/index.html#/run/${r.data.run_id}`);
    await rendered();
  });

  it("a link whose hash holds a broken escape shows a sentence, not a dead page", async () => {
    await page.goto(`${web.origin}/plugins/web/index.html#/agent/%E0%A4%A`);
    const alert = await page.locator("#view [role=alert]").innerText();
    assert.match(alert, /^Cannot .*%E0%A4%A/);
    assert.deepEqual(errors, []);
  });
});
