// The live view in a real headless Chromium (test/helpers/browser.ts) against the compiled binary in
// --http mode, with real claude agents in containers talking to the scripted model server: a par
// of three appears live and its statuses change, the agent page streams text while the agent runs,
// cancel from the page stops a sleeping agent within 2 s (a whole run, and one agent of three while
// the other two finish), the run tree and cost view show it, an encrypted ref shows no plaintext, and
// no token means no page. Screenshots of each page go to test-artifacts/web/ (printed).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { BrowserContext, Page } from "playwright-core";
import { BINARY, binarySkip, TEST_HOST_ID } from "../helpers/binary.ts";
import { browserSkip, startBrowser, type WebBrowser } from "../helpers/browser.ts";
import {
  AGENT_IMAGE,
  agentImage,
  dockerSkip,
  type ModelEnv,
  ownedContainers,
  ROOT,
  startModelEnv,
  TEST_NETWORKS,
} from "../helpers/docker-env.ts";
import { until, within } from "../helpers/wait.ts";

const skip = binarySkip || browserSkip || (await dockerSkip());
const TOKEN = "web-e2e-token-0123456789abcdef";
const SHOTS = join(ROOT, "test-artifacts", "web");

describe("the live view in a real browser", { skip }, () => {
  let child: ChildProcess | undefined;
  let client: Client | undefined;
  let model: ModelEnv;
  let web: WebBrowser | undefined;
  let ctx: BrowserContext;
  let page: Page;
  let dataDir = "";
  let login = "";
  const base = () => ({ network: model.network, model: "claude-sonnet-4-5", tools: "Read" });
  // deno-lint-ignore no-explicit-any
  const call = async (name: string, args: Record<string, unknown>): Promise<any> => {
    const res = await client!.callTool({ name, arguments: args }, undefined, { timeout: 300_000 });
    assert.ok(!res.isError, JSON.stringify(res.content));
    return res.structuredContent;
  };
  const shot = (name: string, p = page) =>
    p.screenshot({ path: join(SHOTS, name), fullPage: true });
  const open = (hash: string) => page.goto(`${web!.origin}/plugins/web/index.html${hash}`);

  before(async () => {
    await agentImage();
    await mkdir(SHOTS, { recursive: true });
    process.stderr.write(`web screenshots: ${SHOTS}\n`);
    model = await startModelEnv();
    dataDir = await mkdtemp(join(tmpdir(), "swarm-web-e2e-"));
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !k.startsWith("ANTHROPIC_") && !k.startsWith("CLAUDE_")) env[k] = v;
    }
    child = spawn(BINARY, ["--http", "--port", "0", "--token", TOKEN], {
      env: {
        ...env,
        SWARM_DATA_DIR: join(dataDir, "data"),
        SWARM_IMAGE: AGENT_IMAGE,
        SWARM_HOST_ID: TEST_HOST_ID,
        SWARM_ALLOW_NETWORKS: TEST_NETWORKS,
        SWARM_LOG_LEVEL: "info",
        ANTHROPIC_BASE_URL: model.baseUrl,
        ANTHROPIC_API_KEY: "sk-test-not-a-real-key",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    await until("the login link on stderr", () => /one-time login link: \S+/.test(err), 20_000);
    login = /one-time login link: (\S+)/.exec(err)![1]!;
    const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)\/mcp/.exec(err)![1]);
    client = new Client({ name: "web-e2e", version: "0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
    web = await startBrowser(port);
    // The other tests' page sends the bearer header (either way is in); the first test logs in.
    ctx = await web.browser.newContext({
      viewport: { width: 1100, height: 800 },
      extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` },
    });
    page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
  });
  after(async () => {
    await web?.close();
    await client?.close().catch(() => {});
    child?.kill("SIGTERM");
    if (child && child.exitCode === null) {
      await within(new Promise((r) => child!.once("exit", r)), 15_000, "the server to exit")
        .catch(() => child!.kill("SIGKILL"));
    }
    await model?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("without the token the page is refused; the one-time link lets the browser in once", async () => {
    const fresh = await web!.browser.newContext();
    const p = await fresh.newPage();
    const refused = await p.goto(`${web!.origin}/plugins/web/index.html`);
    assert.equal(refused?.status(), 401);
    assert.match(await p.content(), /bearer token is required/);
    await shot("0-refused.png", p);
    assert.match(login, /^http:\/\/[a-z2-7]{26}\.localhost:\d+\/login\/[\w-]{24}$/);
    const entered = await p.goto(login);
    assert.equal(entered?.status(), 200);
    assert.equal(new URL(p.url()).pathname, "/plugins/web/index.html");
    await p.locator("#conn", { hasText: "live" }).waitFor({ timeout: 20_000 });
    assert.ok(!p.url().includes("login"), "the login code stayed in the address bar");
    const other = await web!.browser.newContext();
    const again = await (await other.newPage()).goto(login);
    assert.equal(again?.status(), 401, "the login link worked twice");
    // The cookie is the view's own name's: the same port as 127.0.0.1 does not get it.
    const bare = await (await fresh.newPage()).goto(`${web!.origin}/plugins/web/index.html`);
    assert.equal(bare?.status(), 401, "the cookie counted on 127.0.0.1");
    await other.close();
    await fresh.close();
  });

  it("a par of three real claude agents appears live, its statuses change", async () => {
    for (const i of [0, 1, 2]) {
      await model.script(`w${i}`, { turns: [{ delay_ms: 2500, text: `web answer ${i}` }] });
    }
    await open("");
    const started = call("par", {
      ...base(),
      tasks: [0, 1, 2].map((i) => ({ prompt: `[[script:w${i}]] part ${i}` })),
    });
    const row = page.locator("tr[data-run]").first();
    await row.locator(".st-running").waitFor();
    assert.match(await row.innerText(), /par/);
    await row.locator("a").click();
    await page.locator("tr[data-agent] .st-running").nth(2).waitFor();
    await shot("2-run-running.png");
    const res = await started;
    await page.locator("tr[data-agent] .st-ok").nth(2).waitFor();
    await page.locator("dd .st-done").waitFor();
    const text = await page.locator("#view").innerText();
    for (const i of [0, 1, 2]) assert.match(text, new RegExp(`agent-${i}`));
    assert.match(text, /claude-sonnet-4-5/);
    await shot("2-run-done.png");
    await open("");
    const listed = page.locator(`tr[data-run="${res.run_id}"]`);
    await listed.locator(".st-done").waitFor();
    assert.match(await listed.innerText(), /3\/3/);
    await shot("1-runs.png");
    await page.keyboard.press("j"); // keyboard only: j focuses the newest run, Enter opens it
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), res.run_id);
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`#/run/${res.run_id}$`));
    await page.keyboard.press("Escape");
    await page.waitForURL(/#\/$/);
    // At phone width (a bearer header this time: either way in), no sideways scrolling.
    const phone = await web!.browser.newContext({
      viewport: { width: 390, height: 844 },
      extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` },
    });
    const small = await phone.newPage();
    await small.goto(`${web!.origin}/plugins/web/index.html`);
    await small.locator(`tr[data-run="${res.run_id}"] .st-done`).waitFor({ timeout: 20_000 });
    const widths = await small.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
    assert.ok(widths[0]! <= widths[1]!, `wider than the phone: ${widths}`);
    await shot("1-runs-phone.png", small);
    await phone.close();
    await open("#/cost");
    await page.locator("svg polyline.c-m0").waitFor();
    await shot("5-cost.png");
  });

  it("a map of 20 real agents: the page sees each one start, finish and cost", async () => {
    await model.script("m20", { turns: [{ delay_ms: 1500, text: "mapped" }] });
    await open("");
    const started = call("map", {
      ...base(),
      prompt_template: "[[script:m20]] item {input}",
      inputs: Array.from({ length: 20 }, (_, i) => `n${i}`),
    });
    const row = page.locator("tr[data-run]").first();
    await row.locator(".st-running").waitFor();
    await row.locator("a").click();
    // The page notes every agent it ever showed running and ok, as the DOM changes.
    await page.evaluate(() => {
      const seen: Record<string, Record<string, boolean>> = { running: {}, ok: {} };
      (globalThis as { seen?: object }).seen = seen;
      new MutationObserver(() => {
        for (const r of document.querySelectorAll("tr[data-agent]")) {
          const st = r.querySelector(".st")?.textContent ?? "";
          if (st in seen) seen[st]![(r as HTMLElement).dataset.agent!] = true;
        }
      }).observe(document.body, { childList: true, subtree: true });
    });
    await page.locator("tr[data-agent] .st-running").first().waitFor();
    await shot("7-map-running.png");
    const res = await started;
    assert.equal(res.succeeded, 20);
    await page.locator("dd .st-done").waitFor({ timeout: 30_000 });
    const seen = await page.evaluate(() =>
      (globalThis as unknown as { seen: Record<string, Record<string, boolean>> }).seen
    );
    assert.equal(Object.keys(seen.ok!).length, 20, JSON.stringify(seen));
    assert.ok(
      Object.keys(seen.running!).length >= 15,
      `only ${Object.keys(seen.running!).length} agents were seen running: ${JSON.stringify(seen)}`,
    );
    const costs = await page.locator("tr[data-agent] td.num:nth-child(4)").allInnerTexts();
    assert.equal(
      costs.filter((c) => /^\$0\.\d+$/.test(c) && c !== "$0.0000").length,
      20,
      `${costs}`,
    );
    await shot("7-map-done.png");
  });

  it("the agent page streams the agent's text while it runs", async () => {
    await model.script("tail", {
      turns: [
        {
          text: "first step streamed",
          tool_use: { name: "Read", input: { file_path: "/etc/hostname" } },
        },
        { delay_ms: 6000, text: "final answer" },
      ],
    });
    const r = await call("run", { ...base(), prompt: "[[script:tail]] go", wait_s: 0 });
    await open(`#/agent/${r.run_id}/agent-0`);
    await page.locator(".tail li", { hasText: "first step streamed" }).first().waitFor();
    assert.match(await page.locator("dd .st").first().innerText(), /running/);
    await page.locator(".tail li", { hasText: "Read" }).first().waitFor();
    await shot("3-agent-streaming.png");
    await page.locator(".tail li", { hasText: "final answer" }).first().waitFor();
    await page.locator("dd .st-ok").waitFor();
    await shot("3-agent-done.png");
  });

  it("cancel from the page stops a sleeping agent within 2 s", async () => {
    await model.script("sleepy", { turns: [{ delay_ms: 120_000, text: "too late" }] });
    const r = await call("run", { ...base(), prompt: "[[script:sleepy]] sleep", wait_s: 0 });
    await open(`#/run/${r.run_id}`);
    await page.locator("tr[data-agent] .st-running").waitFor();
    await until(
      "the agent's container",
      async () => (await ownedContainers({ "swarm-mcp.run": r.run_id })).length > 0,
      30_000,
    );
    let asked = "";
    page.once("dialog", (d) => {
      asked = d.message();
      void d.accept();
    });
    const t0 = Date.now();
    await page.locator("#cancel").click();
    await until(
      "the container gone after cancel",
      async () => (await ownedContainers({ "swarm-mcp.run": r.run_id })).length === 0,
      2000,
    );
    process.stderr.write(`cancel from the page: container gone in ${Date.now() - t0} ms\n`);
    assert.match(asked, new RegExp(`Cancel run ${r.run_id}`));
    await page.locator("dd .st-cancelled").waitFor();
    await shot("4-cancelled.png");
  });

  it("cancel one of three sleeping agents from the page: the other two finish; tree and cost", async () => {
    await model.script("short", { turns: [{ delay_ms: 6000, text: "done in time" }] });
    await model.script("long", { turns: [{ delay_ms: 120_000, text: "too late" }] });
    const r = await call("par", {
      ...base(),
      budget: 5,
      wait_s: 0,
      tasks: ["short", "long", "short"].map((s, i) => ({ prompt: `[[script:${s}]] part ${i}` })),
    });
    const { run_id } = r;
    await open(`#/run/${run_id}`);
    const row = page.locator('tr[data-agent="agent-1"]');
    await row.locator(".st-running").waitFor({ timeout: 30_000 });
    const mine = { "swarm-mcp.run": run_id, "swarm-mcp.agent": "agent-1" };
    await until(
      "agent-1's container",
      async () => (await ownedContainers(mine)).length > 0,
      30_000,
    );
    let asked = "";
    page.once("dialog", (d) => {
      asked = d.message();
      void d.accept();
    });
    const t0 = Date.now();
    await row.locator("button", { hasText: "Stop" }).click();
    await until(
      "agent-1's container gone",
      async () => (await ownedContainers(mine)).length === 0,
      2000,
    );
    process.stderr.write(`stop one agent from the page: container gone in ${Date.now() - t0} ms\n`);
    assert.match(asked, /Cancel agent agent-1 of run/);
    await row.locator(".st-cancelled").waitFor();
    await shot("4-cancel-agent-real.png");
    await page.locator("dd .st-done").waitFor({ timeout: 60_000 });
    const st = await page.locator(".tree .node").evaluateAll((ns) =>
      ns.map((n) => `${(n as HTMLElement).dataset.node} ${n.querySelector(".st")?.textContent}`)
    );
    assert.deepEqual(st, ["agent-0 ok", "agent-1 cancelled", "agent-2 ok"]);
    await shot("8-tree-real.png");
    await open("#/cost");
    await page.locator("svg line.c-budget").first().waitFor({ state: "attached" });
    await page.locator("svg polyline.c-m0").waitFor();
    await shot("5-cost-real.png");
  });

  it("an encrypted ref shows as encrypted, never its plaintext", async () => {
    const marker = ["SECRET", "WEB-88421"].join("-");
    await model.script("secret", { turns: [{ text: `${marker} inside` }] });
    const r = await call("run", { ...base(), prompt: "[[script:secret]] tell" });
    await open(`#/agent/${r.ref}`);
    await page.locator(".tail li", { hasText: marker }).first().waitFor();
    await call("encrypt", { ref: r.ref });
    await page.reload();
    await page.locator("dd.enc").waitFor();
    await page.locator("p.enc").waitFor();
    assert.ok(!(await page.content()).includes(marker), "the plaintext is on the page");
    await shot("6-encrypted.png");
  });
});
