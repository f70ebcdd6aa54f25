import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createPools, poolCapacityFromEnv } from "../../src/core/pools.ts";
import { isToolError } from "../../src/core/errors.ts";
import { within } from "../helpers/wait.ts";

const pools = (max = 2, capacity: Record<string, number> = {}, queueTimeoutS = 60) =>
  createPools({ maxConcurrent: max, queueTimeoutS, capacity: (n) => capacity[n] ?? 1 });
const tick = () => new Promise((r) => setTimeout(r, 5));
/** A slot that must be handed over now: a lost wake-up fails in 2 s instead of hanging the suite. */
const handed = <T>(p: Promise<T>, what = "a queued acquire") =>
  within(p, 2000, `${what} was never granted`);

describe("pools", () => {
  it("limits the global pool and hands slots over in FIFO order", async () => {
    const p = pools(2);
    const a = await p.acquire([]);
    const b = await p.acquire([]);
    const order: string[] = [];
    const c = p.acquire([]).then((s) => (order.push("c"), s));
    const d = p.acquire([]).then((s) => (order.push("d"), s));
    await tick();
    assert.deepEqual(p.state("global"), { name: "global", limit: 2, running: 2, waiting: 2 });
    a.release();
    a.release(); // releasing twice gives back one slot only
    (await handed(c)).release();
    b.release();
    (await handed(d)).release();
    assert.deepEqual(order, ["c", "d"]);
    assert.equal(p.state("global").running, 0);
  });

  it("a caller waiting for a named pool holds no global slot meanwhile", async () => {
    const p = pools(2, { gpu: 1 });
    const gpu = await p.acquire(["gpu"]); // holds gpu + 1 of 2 global slots
    const queued = p.acquire(["gpu"]);
    await tick();
    assert.equal(p.state("gpu").waiting, 1);
    assert.equal(p.state("global").running, 1, "the queued GPU job holds no global slot");
    // So other work still gets the second global slot at once (a 50 ms queue timeout would throw).
    const other = await p.acquire([], { timeoutMs: 50 });
    other.release();
    gpu.release();
    (await handed(queued, "the queued GPU acquire")).release();
    assert.equal(p.state("global").running, 0);
  });

  it("takes several pools in one fixed order, so opposite orders cannot deadlock", async () => {
    const p = pools(10, { db: 1, gpu: 1 });
    const runs = Array.from({ length: 20 }, (_, i) =>
      (async () => {
        const s = await p.acquire(i % 2 ? ["gpu", "db"] : ["db", "gpu"], { timeoutMs: 5000 });
        await tick();
        s.release();
      })());
    await within(Promise.all(runs), 10000, "20 acquires over two pools (deadlock?)");
    assert.equal(p.state("db").running + p.state("gpu").running + p.state("global").running, 0);
  });

  it("acquisition is abortable and leaves nothing held", async () => {
    const p = pools(1, { db: 1 });
    const held = await p.acquire([]);
    const ctl = new AbortController();
    const waiting = p.acquire(["db"], { signal: ctl.signal });
    await tick();
    ctl.abort(new DOMException("stop", "AbortError"));
    await assert.rejects(
      handed(waiting, "the aborted acquire settling"),
      (e: Error) => e.name === "AbortError",
    );
    assert.equal(p.state("db").running, 0, "db released after abort");
    assert.equal(p.state("global").waiting, 0);
    held.release();
    await assert.rejects(p.acquire([], { signal: AbortSignal.abort() }));
  });

  it("a queue timeout names the pool and its state", async () => {
    const p = pools(5, { api: 1 });
    const held = await p.acquire(["api"]);
    await assert.rejects(
      within(p.acquire(["api"], { timeoutMs: 30 }), 2000, "the 30 ms queue timeout"),
      (e) => {
        assert.ok(isToolError(e) && e.code === "QUEUE_TIMEOUT");
        assert.match((e as Error).message, /resource "api" \(capacity 1\).*1 running, 0 waiting/);
        return true;
      },
    );
    assert.equal(
      p.state("global").running,
      1,
      "only the holder's global slot is taken after the timeout",
    );
    held.release();
  });

  it("refuses pool names that are not plain words", async () => {
    await assert.rejects(
      pools().acquire(["../x"]),
      (e) => isToolError(e) && e.code === "INVALID_INPUT",
    );
    await assert.rejects(
      pools().acquire(["global"]),
      (e) => isToolError(e) && e.code === "INVALID_INPUT",
    );
  });

  it("SWARM_RESOURCE_<name> sets capacities, exact case first; default 1", () => {
    const cap = poolCapacityFromEnv({
      SWARM_RESOURCE_gpu: "2",
      SWARM_RESOURCE_DB: "3",
      SWARM_RESOURCE_bad: "x",
    });
    assert.equal(cap("gpu"), 2);
    assert.equal(cap("db"), 3);
    assert.equal(cap("bad"), 1);
    assert.equal(cap("other"), 1);
  });
});
