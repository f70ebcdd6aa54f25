// core.events: the run and agent lifecycle a plugin sees, on the fake-runtime harness. The exact
// sequence for a par of 3, failures and cancellation in the payloads, and listeners that throw,
// reject or hang never touching the run.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHarness, type Harness } from "../helpers/harness.ts";
import type { SwarmEvent } from "../../src/core/types.ts";

/** Collect every event until the returned stop() is called. */
function record(h: Harness): { seen: SwarmEvent[]; stop: () => void } {
  const seen: SwarmEvent[] = [];
  return { seen, stop: h.core.events.on("*", (e) => void seen.push(e)) };
}

const ofRun = (seen: SwarmEvent[], runId: string) =>
  seen.filter((e) => ("run_id" in e ? e.run_id : e.ref.run_id) === runId);

describe("core.events", () => {
  let h: Harness;
  before(async () => (h = await createHarness()));
  after(() => h.dispose());

  it("a par of 3, one at a time: the exact sequence of types and payloads", async () => {
    const { seen, stop } = record(h);
    const tasks = ["0.1", "0.2", "0.3"].map((c, i) => ({ prompt: `t${i} [[fake cost=${c}]]` }));
    const r = await h.call("par", { tasks, max_concurrency: 1 });
    stop();
    assert.equal(r.isError, false, r.text);
    const run_id = r.data.run_id as string;
    const refs = r.data.results.map((x: { ref: string }) => x.ref) as string[];
    const events = ofRun(seen, run_id);
    assert.deepEqual(events.map((e) => e.type), [
      "run.started",
      ...[0, 1, 2].flatMap(() => ["agent.started", "agent.finished", "cost", "run.progress"]),
      "run.finished",
    ]);
    assert.deepEqual(events[0], { type: "run.started", run_id, tool: "par", total: 3 });
    const costs = [0.1, 0.3, 0.6];
    refs.forEach((ref, i) => {
      const [started, finished, cost, progress] = events.slice(1 + 4 * i, 5 + 4 * i);
      assert.equal(started!.type === "agent.started" && typeof started!.image, "string");
      assert.deepEqual({ ...started, image: "" }, {
        type: "agent.started",
        ref,
        run_id,
        agent_id: ref.split("/")[1],
        image: "",
      });
      assert.equal(finished!.type, "agent.finished");
      assert.deepEqual(finished!.type === "agent.finished" && finished!.ref, r.data.results[i]);
      assert.deepEqual(cost, { type: "cost", run_id, ref, usd: [0.1, 0.2, 0.3][i] });
      assert.deepEqual(progress, {
        type: "run.progress",
        run_id,
        done: i + 1,
        total: 3,
        failed: 0,
        cost_usd: costs[i],
      });
    });
    assert.deepEqual(events.at(-1), {
      type: "run.finished",
      run_id,
      status: "done",
      cost_usd: 0.6,
    });
    // Nothing of this run arrives after stop().
    await h.call("status", { run_id });
    assert.equal(ofRun(seen, run_id).length, events.length);
  });

  it("in parallel: each agent starts before it finishes; failures are counted", async () => {
    const { seen, stop } = record(h);
    const tasks = [
      { prompt: "a [[fake sleep=200]]" },
      { prompt: 'b [[fake fail="boom"]]' },
      { prompt: "c [[fake sleep=100]]" },
    ];
    const r = await h.call("par", { tasks, max_concurrency: 3 });
    stop();
    const events = ofRun(seen, r.data.run_id);
    assert.equal(events[0]!.type, "run.started");
    assert.equal(events.at(-1)!.type, "run.finished");
    for (const x of r.data.results as { ref: string; status: string }[]) {
      const at = (t: string) =>
        events.findIndex((e) =>
          e.type === t && (e.type === "agent.finished" ? e.ref.ref : (e as { ref: string }).ref) ===
            x.ref
        );
      assert.ok(at("agent.started") > 0, `${x.ref} started: ${JSON.stringify(events)}`);
      assert.ok(at("agent.finished") > at("agent.started"), `${x.ref} finished after it started`);
    }
    const progress = events.filter((e) => e.type === "run.progress");
    assert.deepEqual(progress.map((e) => e.done), [1, 2, 3]);
    assert.equal(progress.at(-1)!.failed, 1);
    const failed = events.find((e) => e.type === "agent.finished" && e.ref.status === "failed");
    assert.ok(failed, "the failed agent is announced with its failed ref");
  });

  it("cancel: run.finished says cancelled, and the killed agent is announced", async () => {
    const { seen, stop } = record(h);
    const first = await h.call("run", { prompt: "x [[fake hang]]", wait_s: 0 });
    assert.equal(first.data.status, "running", first.text);
    await h.runtime.until((rt) => rt.running > 0, 5000);
    await h.call("cancel", { run_id: first.data.run_id });
    stop();
    const events = ofRun(seen, first.data.run_id);
    // A killed agent has no cost to report: no cost event.
    assert.deepEqual(events.map((e) => e.type), [
      "run.started",
      "agent.started",
      "agent.finished",
      "run.progress",
      "run.finished",
    ]);
    const fin = events.find((e) => e.type === "agent.finished");
    assert.equal(fin?.type === "agent.finished" && fin.ref.status, "cancelled");
    const last = events.at(-1);
    assert.equal(last?.type === "run.finished" && last.status, "cancelled");
  });

  it("listeners that throw, reject or never settle do not touch the run; off() stops one", async () => {
    const { seen, stop } = record(h);
    let calls = 0;
    const offs = [
      h.core.events.on("run.progress", () => {
        throw new Error("listener bug");
      }),
      h.core.events.on("agent.finished", () => Promise.reject(new Error("async listener bug"))),
      h.core.events.on("*", () => new Promise(() => {})),
      h.core.events.on("run.started", () => void calls++),
    ];
    offs[3]!();
    const t0 = Date.now();
    const r = await h.call("par", { tasks: [{ prompt: "a" }, { prompt: "b" }] });
    offs.forEach((off) => off());
    stop();
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.succeeded, 2);
    assert.ok(Date.now() - t0 < 5000, "the run did not wait for listeners");
    assert.equal(calls, 0, "an unsubscribed listener is not called");
    // The recorder, subscribed beside the broken ones, still saw everything.
    assert.equal(ofRun(seen, r.data.run_id).at(-1)?.type, "run.finished");
  });
});
