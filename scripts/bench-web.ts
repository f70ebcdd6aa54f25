// Benchmark of the live view (issue 17): first paint of the runs page with 500 runs in the data
// dir, and the latency from starting a run to its row on the page, idle and with 50 agents
// running; the cost view over those 500 runs (first visit reads every ref, later ones a cache) and
// the run page of the 50-agent map (its tree and table). In-process core on the fake runtime (test/helpers/harness.ts), the real page in Debian's
// headless Chromium (test/helpers/browser.ts: needs root for its network namespace).
// Usage: bun scripts/bench-web.ts [runs=500] [samples=20]
import { serveHttp } from "../src/server/http.ts";
import { startBrowser } from "../test/helpers/browser.ts";
import { createHarness } from "../test/helpers/harness.ts";

const RUNS = Number(process.argv[2] ?? 500);
const SAMPLES = Number(process.argv[3] ?? 20);
const TOKEN = "bench-web-token-0123456789abcdef";
const ms = (n: number) => `${n.toFixed(0)} ms`;
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${ms(s[Math.floor(s.length / 2)]!)}, p95 ${
    ms(s[Math.floor(s.length * 0.95)]!)
  }, max ${ms(s.at(-1)!)}`;
};

const h = await createHarness({ env: { SWARM_MAX_CONCURRENT: "64" } });
const t0 = Date.now();
for (let i = 0; i < RUNS; i += 25) {
  await Promise.all(
    Array.from(
      { length: Math.min(25, RUNS - i) },
      (_, j) => h.call("run", { prompt: `bench ${i + j} [[fake cost=0.0${1 + ((i + j) % 9)}]]` }),
    ),
  );
}
console.log(`${RUNS} runs made in ${ms(Date.now() - t0)}`);
const server = await serveHttp(h.handle.registry, { name: "swarm-mcp", version: "bench" }, {
  host: "127.0.0.1",
  port: 0,
  token: TOKEN,
  plugins: h.handle.plugins,
  events: h.core.events,
});
const web = await startBrowser(server.port);
try {
  const ctx = await web.browser.newContext({
    extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` },
  });
  const page = await ctx.newPage();
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  const paints: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = Date.now();
    await page.goto(`${web.origin}/plugins/web/index.html`);
    await page.waitForFunction((n) => document.querySelectorAll("tr[data-run]").length >= n, RUNS, {
      timeout: 30_000,
    });
    paints.push(Date.now() - start);
  }
  const fcp = await page.evaluate(() =>
    performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? -1
  );
  console.log(`first paint of ${RUNS} runs (navigation → every row in the DOM): ${stats(paints)}`);
  console.log(`first contentful paint (Chromium's own): ${ms(fcp)}`);

  /** From core.events' run.started to the run's row in the page's DOM (SSE → one animation frame),
   * both on this machine's clock: the page notes when each row appears. */
  const emitted = new Map<string, number>();
  h.core.events.on("run.started", (e) => void emitted.set(e.run_id, Date.now()));
  const latency = async (label: string) => {
    await page.evaluate(() => {
      const seen: Record<string, number> = ((globalThis as { seen?: object }).seen = {});
      new MutationObserver(() => {
        for (const r of document.querySelectorAll("tr[data-run]")) {
          const id = (r as HTMLElement).dataset.run!;
          seen[id] ??= Date.now();
        }
      }).observe(document.body, { childList: true, subtree: true });
    });
    const xs: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const { data } = await h.call("run", { prompt: "[[fake sleep=300]]", wait_s: 0 });
      const at = await page.waitForFunction(
        (id) => (globalThis as unknown as { seen: Record<string, number> }).seen[id],
        data.run_id,
        { timeout: 10_000 },
      );
      xs.push(Number(await at.jsonValue()) - emitted.get(data.run_id)!);
    }
    console.log(`update latency (event → row in the DOM), ${label}: ${stats(xs)}`);
  };
  await latency("idle");
  const busy = h.call("map", {
    prompt_template: "[[fake sleep=15000]] {input}",
    inputs: Array.from({ length: 50 }, (_, i) => `item ${i}`),
    max_concurrency: 50, // all 50 at once (the default runs a few at a time)
    wait_s: 0,
  });
  const { data: map } = await busy;
  await latency("with 50 agents running");

  /** Navigation → every [selector, count] in the DOM, three times over (new documents). */
  const paint = async (label: string, hash: string, want: [string, number][]) => {
    const xs: number[] = [];
    for (let i = 0; i < 3; i++) {
      await page.goto("about:blank"); // a new document each time, not a hash change
      const start = Date.now();
      await page.goto(`${web.origin}/plugins/web/index.html${hash}`);
      await page.waitForFunction(
        (w) => w.every(([sel, n]) => document.querySelectorAll(sel).length >= n),
        want,
        { timeout: 30_000 },
      );
      xs.push(Date.now() - start);
    }
    console.log(`${label}: first visit ${ms(xs[0]!)}, then ${ms(xs[1]!)}, ${ms(xs[2]!)}`);
  };
  await paint(`cost view of ${RUNS}+ runs (both charts)`, "#/cost", [
    ["svg polyline.c-m0", 1],
    ["svg g[data-run]", Math.min(60, RUNS)],
  ]);
  await paint("run page of the 50-agent map (tree)", `#/run/${map.run_id}`, [[".tree .node", 50]]);
  await ctx.close();
} finally {
  await web.close();
  await server.close();
  await h.dispose();
}
