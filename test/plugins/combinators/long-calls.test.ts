// How a combinator call behaves when it takes long: run handles, wait, cancel, progress, MCP
// cancellation, and a restarted server still knowing finished runs.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import type { Progress } from "@modelcontextprotocol/sdk/types.js";
import { createHarness } from "../../helpers/harness.ts";

describe("long combinator calls", () => {
  it("par(wait_s=0) returns {status: running} and wait(run_id) then gives the result", async () => {
    const h = await createHarness();
    try {
      const r = await h.call("par", {
        tasks: [{ prompt: "a [[fake sleep=200]]" }, { prompt: "b [[fake sleep=200]]" }],
        wait_s: 0,
      });
      assert.equal(r.isError, false, r.text);
      assert.equal(r.data.status, "running");
      assert.match(r.data.run_id, /^[0-9a-f]{12}$/);
      assert.match(r.data.message, /Call wait/);
      const w = await h.call("wait", { run_id: r.data.run_id, wait_s: 10 });
      assert.equal(w.isError, false, w.text);
      assert.equal(w.data.run_id, r.data.run_id);
      assert.equal(w.data.succeeded, 2);
    } finally {
      await h.dispose();
    }
  });

  it("cancel(run_id) kills the run's containers and reports it cancelled", async () => {
    const h = await createHarness();
    try {
      const r = await h.call("map", {
        prompt_template: "{input} [[fake hang]]",
        inputs: ["a", "b", "c"],
        wait_s: 0,
      });
      assert.equal(r.data.status, "running");
      await h.runtime.until((rt) => rt.running === 3);
      const t0 = Date.now();
      const c = await h.call("cancel", { run_id: r.data.run_id });
      assert.equal(c.isError, false, c.text);
      assert.equal(c.data.status, "cancelled");
      assert.ok(Date.now() - t0 < 2000);
      assert.equal(h.runtime.cancelled().length, 3);
      assert.equal(h.runtime.running, 0);
      const s = await h.call("status", { run_id: r.data.run_id });
      assert.equal(s.data.status, "cancelled");
      assert.equal(s.data.done, 3);
    } finally {
      await h.dispose();
    }
  });

  it("an MCP cancellation of the call stops its agents", async () => {
    const h = await createHarness();
    try {
      const ac = new AbortController();
      const call = h.call("par", {
        tasks: [{ prompt: "x [[fake hang]]" }, { prompt: "y [[fake hang]]" }],
      }, { signal: ac.signal });
      await h.runtime.until((rt) => rt.running === 2);
      ac.abort();
      await assert.rejects(call);
      await h.runtime.until((rt) => rt.running === 0 && rt.cancelled().length === 2);
    } finally {
      await h.dispose();
    }
  });

  it("sends progress notifications while the call waits", async () => {
    const h = await createHarness();
    try {
      const seen: Progress[] = [];
      const r = await h.call("par", {
        tasks: [{ prompt: "a [[fake sleep=3300]]" }, { prompt: "b [[fake sleep=100]]" }],
      }, { onprogress: (p) => seen.push(p) });
      assert.equal(r.isError, false, r.text);
      assert.ok(seen.length >= 2, `expected at least 2 progress notifications, got ${seen.length}`);
      assert.equal(seen[0]!.total, 2);
      assert.ok(
        seen.some((p) => /^1\/2 agents done/.test(p.message ?? "")),
        "a heartbeat while one agent still runs",
      );
      assert.match(seen.at(-1)!.message ?? "", /^2\/2 agents done/);
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.progress > seen[i - 1]!.progress);
    } finally {
      await h.dispose();
    }
  });

  it("progress strictly increases over six staggered agents, heartbeats included", async () => {
    const h = await createHarness();
    try {
      const seen: Progress[] = [];
      // Five quick agents, then one that runs ~6.5 s: heartbeats at 3 s and 6 s both see 5 done.
      const sleeps = [100, 150, 200, 250, 300, 6500];
      const r = await h.call("par", {
        tasks: sleeps.map((ms, i) => ({ prompt: `t${i} [[fake sleep=${ms}]]` })),
        max_concurrency: 2,
      }, { onprogress: (p) => seen.push(p) });
      assert.equal(r.data.succeeded, 6, r.text);
      const trace = seen.map((p) => `${p.progress} ${p.message}`).join(" | ");
      assert.ok(seen.length >= 3, `expected >= 3 notifications: ${trace}`);
      for (let i = 1; i < seen.length; i++) {
        assert.ok(seen[i]!.progress > seen[i - 1]!.progress, `not strictly increasing: ${trace}`);
      }
      assert.ok(seen.every((p) => p.total === 6 && p.progress <= 6), trace);
      const done = seen.map((p) => Number(/^(\d+)\/6 agents done/.exec(p.message ?? "")?.[1]));
      assert.deepEqual(
        done,
        seen.map((p) => Math.floor(p.progress)),
        `progress and message disagree: ${trace}`,
      );
      assert.equal(
        done.filter((d) => d === 5).length >= 2,
        true,
        `expected repeated heartbeats at 5/6: ${trace}`,
      );
      assert.equal(
        seen.at(-1)!.progress,
        6,
        `the last notification should reach the total: ${trace}`,
      );
    } finally {
      await h.dispose();
    }
  });

  it("status, runs and wait still report a finished run after a restart on the same data dir", async () => {
    const first = await createHarness();
    const r = await first.call("par", {
      tasks: [{ prompt: "a [[fake cost=0.5]]" }, { prompt: 'b [[fake fail="x"]]' }],
    });
    await first.dispose({ keep: true });
    const second = await createHarness({ dataDir: first.dataDir });
    try {
      const s = await second.call("status", { run_id: r.data.run_id });
      assert.equal(s.isError, false, s.text);
      assert.equal(s.data.status, "done");
      assert.equal(s.data.tool, "par");
      assert.equal(s.data.done, 2);
      assert.equal(s.data.failed, 1);
      assert.equal(s.data.cost_usd, 0.51);
      const list = await second.call("runs", {});
      assert.ok(list.data.runs.some((x: { run_id: string }) => x.run_id === r.data.run_id));
      const w = await second.call("wait", { run_id: r.data.run_id, wait_s: 0 });
      assert.deepEqual(
        w.data.results.map((x: { ref: string }) => x.ref),
        r.data.results.map((x: { ref: string }) => x.ref),
      );
    } finally {
      await second.dispose();
      await rm(first.dataDir, { recursive: true, force: true });
    }
  });
});
