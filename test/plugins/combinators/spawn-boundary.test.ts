// What spawn hands to the container runtime: the sandbox's memory, cpus, image and gpu, the gpu pool
// that gpu: true takes, and SWARM_MAX_CONCURRENT over all calls. Asserted on the fake runtime's
// recorded run options (test/docker/spawn-limits.test.ts checks the same on a real container).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHarness } from "../../helpers/harness.ts";

const tasks = (n: number, extra: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => ({ prompt: `t${i} [[fake sleep=150]]`, ...extra }));

describe("spawn → runtime boundary", () => {
  it("passes memory, cpus and the sandbox's image; the default image otherwise; no GPU unless asked", async () => {
    const h = await createHarness({ env: { SWARM_IMAGE: "swarm-test-default:1" } });
    try {
      const a = await h.call("run", {
        prompt: "a",
        memory: "256m",
        cpus: 1.5,
        image: "swarm-test-custom:2",
      });
      assert.equal(a.isError, false, a.text);
      const b = await h.call("run", {
        prompt: "b",
        agent: "command",
        command: ["true"],
        sandbox: { memory: "1g", cpus: 0.25 },
      });
      assert.equal(b.isError, false, b.text);
      const c = await h.call("run", { prompt: "c" });
      const [ca, cb, cc] = [a, b, c].map((r) =>
        h.runtime.calls.find((x) => x.run === r.data.run_id)!.opts
      );
      assert.deepEqual([ca!.memoryBytes, ca!.nanoCpus, ca!.image, Boolean(ca!.gpu)], [
        256 * 1024 ** 2,
        1.5e9,
        "swarm-test-custom:2",
        false,
      ]);
      assert.deepEqual([cb!.memoryBytes, cb!.nanoCpus, cb!.image], [
        1024 ** 3,
        2.5e8,
        "swarm-test-default:1",
      ]);
      assert.equal(cc!.image, "swarm-test-default:1");
      assert.equal(Boolean(cc!.gpu), false);
    } finally {
      await h.dispose();
    }
  });

  it("gpu: true asks the runtime for a GPU and takes the gpu pool (capacity 1 by default)", async () => {
    const h = await createHarness();
    try {
      const r = await h.call("par", { tasks: tasks(3, { gpu: true }), max_concurrency: 3 });
      assert.equal(r.data.succeeded, 3, r.text);
      assert.ok(h.runtime.calls.every((c) => c.opts.gpu === true), "gpu not passed to the runtime");
      assert.equal(h.runtime.maxConcurrent, 1, "GPU agents overlapped beyond the gpu pool");
    } finally {
      await h.dispose();
    }
  });

  it("SWARM_RESOURCE_gpu widens the gpu pool", async () => {
    const h = await createHarness({ env: { SWARM_RESOURCE_gpu: "2" } });
    try {
      const r = await h.call("par", { tasks: tasks(4, { gpu: true }), max_concurrency: 4 });
      assert.equal(r.data.succeeded, 4, r.text);
      assert.equal(h.runtime.maxConcurrent, 2);
    } finally {
      await h.dispose();
    }
  });

  it("SWARM_MAX_CONCURRENT caps agents over all calls, whatever max_concurrency says", async () => {
    const h = await createHarness({ env: { SWARM_MAX_CONCURRENT: "2" } });
    try {
      const [x, y] = await Promise.all([
        h.call("par", { tasks: tasks(3), max_concurrency: 5 }),
        h.call("par", { tasks: tasks(3), max_concurrency: 5 }),
      ]);
      assert.equal(x!.data.succeeded + y!.data.succeeded, 6, x!.text + y!.text);
      assert.equal(h.runtime.maxConcurrent, 2);
    } finally {
      await h.dispose();
    }
  });
});
