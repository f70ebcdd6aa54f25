// The page's newer views in a real headless Chromium (test/helpers/browser.ts) against the web
// plugin on the fake runtime: the run tree (a map_reduce's fan-out and reducer, a chain's steps, a
// pipeline's jumps, nested calls as boxes), cancel of one agent from the page (the other two
// finish), and the cost view's charts with budget lines. Screenshots go to test-artifacts/web/.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { configureLog } from "../../../src/core/log.ts";
import type { PluginFactory } from "../../../src/core/types.ts";
import type { HttpServer } from "../../../src/server/http.ts";
import { browserSkip, startBrowser, type WebBrowser } from "../../helpers/browser.ts";
import { ROOT } from "../../helpers/docker-env.ts";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import { serveView } from "../../helpers/view-fetch.ts";
import { within } from "../../helpers/wait.ts";

const TOKEN = "web-views-token-0123456789abcdef";
const SHOTS = join(ROOT, "test-artifacts", "web");

/** A tool whose run holds two nested calls: a par of two, then a chain of two. */
const nest: PluginFactory = (core) => ({
  name: "nest",
  tools: [{
    name: "outer",
    description: "Test tool: par then chain inside one run",
    input: core.v.object({}),
    run: (_x, ctx) =>
      core.runs.start("outer", ctx, { wait_s: 60, total: 0 }, async (run) => {
        await ctx.call("par", { tasks: [{ prompt: "p0" }, { prompt: "p1" }] });
        await ctx.call("chain", { stages: [{ prompt: "c0" }, { prompt: "c1" }] });
        return { run_id: run.run_id };
      }),
  }],
});

describe(
  "run tree, per-agent cancel and cost view in a real browser",
  { skip: browserSkip },
  () => {
    let h: Harness;
    let server: HttpServer;
    let web: WebBrowser;
    let page: Page;
    const open = async (hash: string) => {
      await page.goto(`${web.origin}/plugins/web/index.html${hash}`);
      await page.locator("#conn", { hasText: "live" }).waitFor();
    };
    const shot = (name: string) => page.screenshot({ path: join(SHOTS, name), fullPage: true });
    const layers = (box = page.locator(".tree > .box")) =>
      box.locator(":scope > .layers > .layer").evaluateAll((ls) =>
        ls.map((l) =>
          [...l.querySelectorAll(":scope > .nodes > .node")].map((n) =>
            (n as HTMLElement).innerText.replace(/\s+/g, " ")
          )
        )
      );

    before(async () => {
      configureLog("error", undefined);
      await mkdir(SHOTS, { recursive: true });
      h = await createHarness({ plugins: { nest } });
      server = await serveView(h, TOKEN);
      web = await startBrowser(server.port);
      const ctx = await web.browser.newContext({
        viewport: { width: 1100, height: 800 },
        extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` },
      });
      page = await ctx.newPage();
      page.setDefaultTimeout(10_000);
    });
    after(async () => {
      await web?.close();
      await server?.close();
      await h?.dispose();
    });

    it("a map_reduce: its map agents in one layer, the reducer below with its inputs", async () => {
      const r = await h.call("map_reduce", {
        prompt_template: "item {input} [[fake cost=0.02]]",
        inputs: ["a", "b", "c"],
        synthesis_prompt: "join [[fake cost=0.05]]",
      });
      assert.equal(r.isError, false, r.text);
      await open(`#/run/${r.data.run_id}`);
      await page.locator(".tree .node").nth(3).waitFor();
      const got = await layers();
      assert.deepEqual(got.map((l) => l.map((n) => n.split(" ")[0])), [
        ["agent-0", "agent-1", "agent-2"],
        ["reducer"],
      ]);
      const rows = await page.locator("tr[data-agent]").evaluateAll((rs) =>
        rs.map((r) => (r as HTMLElement).dataset.agent)
      );
      assert.deepEqual(rows, ["agent-0", "agent-1", "agent-2", "reducer"], "the table's order");
      assert.match(
        got[1]![0]!,
        /ok · claude-sonnet-fake · \$0\.0500 .*exit 0 ← agent-0, agent-1, agent-2/,
      );
      await shot("8-tree-map-reduce.png");
      await open("#/cost"); // one run so far: its spend is still a line, from $0
      await page.locator("svg polyline.c-m0").waitFor();
    });

    it("a pipeline's steps stand one below another, each jump written on its step", async () => {
      const r = await h.call("pipeline", {
        definition: {
          steps: [
            { id: "test", prompt: "test [[fake failfirst=1]]", on_fail: "fix" },
            { id: "fix", prompt: "fix", condition: "prev.error", next: "test" },
            { id: "report", prompt: "report" },
          ],
        },
      });
      assert.equal(r.isError, false, r.text);
      await open(`#/run/${r.data.run_id}`);
      await page.locator(".tree .node .jump").first().waitFor();
      const jumps = await page.locator(".tree .node").evaluateAll((ns) =>
        ns.map((n) => n.querySelector(".jump")?.textContent ?? "")
      );
      assert.deepEqual(jumps.filter(Boolean), ["→ fix", "→ test"]);
      await shot("8-tree-pipeline.png");
    });

    it("nested calls are boxes inside the run's: a par of two, a chain of two steps", async () => {
      const r = await h.call("outer", {});
      assert.equal(r.isError, false, r.text);
      await open(`#/run/${r.data.run_id}`);
      await page.locator(".tree .box .box").nth(1).waitFor();
      const titles = await page.locator(".tree .box .box > .box-t").allInnerTexts();
      assert.deepEqual(titles, ["par (call 1)", "chain (call 2)"]);
      const chain = await layers(page.locator(".tree .box .box").nth(1));
      assert.equal(chain.length, 2, `the chain's steps: ${JSON.stringify(chain)}`);
      // At phone width the tree wraps: no sideways scrolling.
      await page.setViewportSize({ width: 390, height: 844 });
      const w = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
      assert.ok(w[0]! <= w[1]!, `wider than the phone: ${w}`);
      await shot("8-tree-nested-phone.png");
      await page.setViewportSize({ width: 1100, height: 800 });
    });

    it("cancel one of three sleeping agents from the page: it stops within 2 s, the others finish", async () => {
      const r = await h.call("par", {
        tasks: [
          { prompt: "s0 [[fake sleep=4000]]" },
          { prompt: "s1 [[fake hang]]" },
          { prompt: "s2 [[fake sleep=4000]]" },
        ],
        wait_s: 0,
      });
      const { run_id } = r.data;
      await open(`#/run/${run_id}`);
      const row = page.locator('tr[data-agent="agent-1"]');
      await row.locator(".st-running").waitFor();
      let asked = "";
      page.once("dialog", (d) => {
        asked = d.message();
        void d.accept();
      });
      const t0 = Date.now();
      await row.locator("button", { hasText: "Stop" }).click();
      await h.runtime.until((rt) => rt.cancelled().some((c) => c.run === run_id), 2000);
      process.stderr.write(`stop one agent from the page: killed in ${Date.now() - t0} ms\n`);
      assert.match(asked, new RegExp(`Cancel agent agent-1 of run ${run_id}\\?`));
      await row.locator(".st-cancelled").waitFor();
      assert.equal(await page.locator("tr[data-agent] .st-running").count(), 2, "others stopped");
      await shot("4-cancel-agent.png");
      await page.locator("dd .st-done").waitFor();
      const st = await page.locator("tr[data-agent]").evaluateAll((rs) =>
        rs.map((x) => `${(x as HTMLElement).dataset.agent} ${x.querySelector(".st")?.textContent}`)
          .sort()
      );
      assert.deepEqual(st, ["agent-0 ok", "agent-1 cancelled", "agent-2 ok"]);
      assert.deepEqual(h.runtime.cancelled().filter((c) => c.run === run_id).map((c) => c.agent), [
        "agent-1",
      ]);
    });

    it("the agent page of a running agent: Cancel agent stops it, and the keyboard reaches it", async () => {
      const r = await h.call("run", { prompt: "[[fake hang]]", wait_s: 0 });
      const ref = `${r.data.run_id}/agent-0`;
      await h.runtime.until((rt) => rt.calls.some((c) => c.run === r.data.run_id), 3000);
      await open(`#/agent/${ref}`);
      await page.locator("button", { hasText: "Cancel agent" }).waitFor();
      await page.locator("body").press("c");
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Cancel agent");
      page.once("dialog", (d) => void d.accept());
      await page.keyboard.press("Enter");
      await h.runtime.until((rt) => rt.cancelled().some((c) => c.run === r.data.run_id), 2000);
      await page.locator("dd .st-cancelled").waitFor();
      await shot("3-agent-cancelled.png");
    });

    it("logged in by the one-time link alone (the cookie, no bearer), the page cancels a run", async () => {
      const own = await (await web.browser.newContext()).newPage();
      own.setDefaultTimeout(10_000);
      await own.goto(server.loginUrl!);
      const r = await h.call("run", { prompt: "[[fake hang]]", wait_s: 0 });
      await h.runtime.until((rt) => rt.calls.some((c) => c.run === r.data.run_id), 3000);
      const view = new URL(server.loginUrl!).origin; // where the cookie counts
      await own.goto(`${view}/plugins/web/index.html#/run/${r.data.run_id}`);
      own.once("dialog", (d) => void d.accept());
      await own.locator("#cancel").click();
      await h.runtime.until((rt) => rt.cancelled().some((c) => c.run === r.data.run_id), 2000);
      await own.locator("dd .st-cancelled").waitFor();
      await own.context().close();
    });

    it("the cost view: spend per model over time and per run, a dashed line at each budget", async () => {
      for (const [budget, cost] of [[1, 0.3], [0.5, 0.2]] as const) {
        const r = await h.call("par", {
          budget,
          tasks: [{ prompt: `x [[fake cost=${cost}]]` }, { prompt: `y [[fake cost=${cost}]]` }],
        });
        assert.equal(r.isError, false, r.text);
      }
      await open("#/cost");
      await page.locator("svg polyline.c-m0").waitFor();
      await page.locator("svg line.c-budget").nth(1).waitFor({ state: "attached" }); // 0 px high
      assert.equal(await page.locator("svg line.c-budget").count(), 2);
      const label = await page.locator("svg[aria-label^='Cumulative spend']").getAttribute(
        "aria-label",
      );
      const total = (await h.core.runs.list(100)).reduce((n, x) => n + x.cost_usd, 0);
      assert.match(
        label ?? "",
        new RegExp(`^Cumulative spend: \\$${total.toFixed(2)} in `),
        "stale",
      );
      assert.match(label ?? "", /claude-sonnet-fake \$\d/);
      const budgets = await page.locator("table", { hasText: "runs with a budget" }).locator(
        "tbody tr",
      )
        .allInnerTexts();
      assert.equal(budgets.length, 2, budgets.join("\n"));
      assert.match(budgets[0]!, /\$0\.4000\s+\$0\.5000\s+80 %/);
      await shot("5-cost-budgets.png");
      await page.setViewportSize({ width: 390, height: 844 }); // the charts shrink to a phone
      const w = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
      assert.ok(w[0]! <= w[1]!, `wider than the phone: ${w}`);
      await shot("5-cost-phone.png");
      await page.setViewportSize({ width: 1100, height: 800 });
      // A run that ends while the view is open redraws it (events, no reload).
      const before = await page.locator("svg g[data-run]").count();
      await h.call("run", { prompt: "late [[fake cost=0.1]]" });
      await within(
        page.waitForFunction(
          (n) => document.querySelectorAll("svg g[data-run]").length > n,
          before,
        ),
        5000,
        "the cost view to show the new run",
      );
    });
  },
);
