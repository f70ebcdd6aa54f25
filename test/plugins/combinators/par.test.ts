import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";

describe("par", () => {
  let h: Harness;
  before(async () => (h = await createHarness()));
  after(() => h.dispose());

  it("par() returns refs in task order whatever order they finish in", async () => {
    const r = await h.call("par", {
      tasks: [
        { prompt: 'first [[fake sleep=120 text="A"]]' },
        { prompt: 'second [[fake sleep=10 text="B"]]' },
        { prompt: 'third [[fake sleep=60 text="C"]]' },
      ],
    });
    assert.equal(r.isError, false, r.text);
    assert.deepEqual(r.data.results.map((x: { agent_id: string }) => x.agent_id), [
      "agent-0",
      "agent-1",
      "agent-2",
    ]);
    const texts = await Promise.all(
      r.data.results.map((x: { ref: string }) => h.core.refs.readText(x.ref)),
    );
    assert.deepEqual(texts, ["A", "B", "C"]);
    assert.equal(r.data.total, 3);
    assert.equal(r.data.succeeded, 3);
  });

  it("par() reports a failing task as a failed ref and still runs the others", async () => {
    const r = await h.call("par", {
      tasks: JSON.stringify([{ prompt: "ok [[fake cost=0.2]]" }, {
        prompt: 'bad [[fake fail="boom"]]',
      }, { prompt: "ok too" }]),
    });
    assert.equal(r.isError, false, r.text);
    assert.deepEqual(r.data.results.map((x: { status: string }) => x.status), [
      "ok",
      "failed",
      "ok",
    ]);
    assert.match(r.data.results[1].error, /boom/);
    assert.equal(r.data.failed, 1);
    assert.equal(r.data.totals.succeeded, 2);
    assert.equal(r.data.totals.failed, 1);
    assert.equal(r.data.totals.cost_usd, 0.22);
    assert.equal(typeof r.data.totals.duration_seconds, "number");
    assert.equal(r.data.results[0].cost_usd, 0.2);
  });

  it("par() fails only the task whose own argument is bad (a mount that does not exist)", async () => {
    const r = await h.call("par", {
      tasks: [{ prompt: "fine" }, {
        prompt: "bad mount",
        mounts: [{ host_path: "/definitely/not/here", container_path: "/data" }],
      }, { prompt: "also fine" }],
    });
    assert.equal(r.isError, false, r.text);
    assert.deepEqual(r.data.results.map((x: { status: string }) => x.status), [
      "ok",
      "failed",
      "ok",
    ]);
    assert.match(r.data.results[1].error, /Cannot mount "\/definitely\/not\/here"/);
    // The refused task still has a stored ref that can be inspected.
    assert.equal((await h.core.refs.get(r.data.results[1].ref)).status, "failed");
  });

  it("par() fails the whole call for a bad call-level argument", async () => {
    const r = await h.call("par", { tasks: [{ prompt: "x" }], timeout: -5 });
    assert.equal(r.isError, true);
    assert.equal(r.data.code, "INVALID_INPUT");
    assert.match(r.text, /timeout/);
    const m = await h.call("par", {
      tasks: [{ prompt: "x" }, { prompt: "y" }],
      mounts: [{ host_path: "/definitely/not/here", container_path: "/data" }],
    });
    assert.equal(m.isError, true);
    assert.equal(m.data.code, "INVALID_INPUT");
    assert.match(m.text, /Cannot mount/);
  });

  it("par() refuses malformed task lists before starting anything", async () => {
    const started = h.runtime.started;
    for (
      const [tasks, pattern] of [["not json", /Cannot parse "tasks"/], [[], /empty/], [[{
        prompt: "",
      }], /non-empty "prompt"/], [
        [{ prompt: "x", modle: "opus" }],
        /unknown field "modle"/,
      ]] as const
    ) {
      const r = await h.call("par", { tasks: tasks as unknown });
      assert.equal(r.isError, true, `${JSON.stringify(tasks)} should fail`);
      assert.match(r.text, pattern);
    }
    assert.equal(h.runtime.started, started);
  });

  it("par() layers sandbox fields: call fields are defaults, task fields win, absent ones never override", async () => {
    const dir = join(h.dataDir, "home", ".claude", "sandboxes");
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, "reviewer.json"),
      JSON.stringify({ model: "opus", network: false, timeout: 77 }),
    );
    const r = await h.call("par", {
      model: "haiku",
      tasks: [{ prompt: "default" }, { prompt: "own model", model: "sonnet" }, {
        prompt: "named",
        sandbox: "reviewer",
      }],
    });
    assert.equal(r.isError, false, r.text);
    const byAgent = (id: string) =>
      h.runtime.calls.find((c) => c.run === r.data.run_id && c.agent === id)!;
    const model = (id: string) => byAgent(id).opts.cmd[byAgent(id).opts.cmd.indexOf("--model") + 1];
    assert.equal(model("agent-0"), "haiku");
    assert.equal(model("agent-1"), "sonnet");
    assert.equal(model("agent-2"), "opus"); // the task's own sandbox beats the call's defaults
    assert.equal(byAgent("agent-2").opts.network, "none");
    assert.equal(byAgent("agent-2").opts.timeoutMs, 77_000);
    assert.equal(byAgent("agent-0").opts.network, "swarm-mcp-agents");
  });

  it("par() reports an agent past its timeout as a timeout ref, and runs command agents too", async () => {
    const r = await h.call("par", {
      tasks: [{ prompt: "stuck [[fake hang]]", timeout: 1 }, {
        prompt: "plain text",
        agent: "command",
        command: ["cat"],
      }],
    });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.results[0].status, "timeout");
    assert.match(r.data.results[0].error, /Timed out after 1 s/);
    assert.equal(r.data.results[1].status, "ok");
    assert.equal(await h.core.refs.readText(r.data.results[1].ref), "echo: plain text");
  });

  it("par() never runs more than max_concurrency agents at once", async () => {
    const own = await createHarness();
    try {
      const tasks = Array.from({ length: 6 }, (_, i) => ({ prompt: `t${i} [[fake sleep=80]]` }));
      const r = await own.call("par", { tasks, max_concurrency: 2 });
      assert.equal(r.data.succeeded, 6);
      assert.equal(own.runtime.maxConcurrent, 2);
    } finally {
      await own.dispose();
    }
  });

  it("par() stops starting agents once the budget is spent and says which were not started", async () => {
    const tasks = Array.from({ length: 5 }, (_, i) => ({ prompt: `t${i} [[fake cost=0.1]]` }));
    const r = await h.call("par", { tasks, budget: 0.25, max_concurrency: 1 });
    assert.equal(r.isError, false, r.text);
    assert.deepEqual(r.data.results.map((x: { status: string }) => x.status), [
      "ok",
      "ok",
      "ok",
      "cancelled",
      "cancelled",
    ]);
    assert.match(r.data.results[3].error, /budget of \$0\.25 is spent/);
    assert.deepEqual(r.data.budget, {
      limit: 0.25,
      spent: 0.3,
      stopped: true,
      not_started: ["agent-3", "agent-4"],
    });
    // Each agent was capped at what was left of the budget.
    const caps = h.runtime.calls.filter((c) => c.run === r.data.run_id).map((c) =>
      Number(c.opts.cmd[c.opts.cmd.indexOf("--max-budget-usd") + 1])
    );
    assert.deepEqual(caps, [0.25, 0.15, 0.05]);
  });

  it("par() reports budget: {stopped: false} when the budget was enough", async () => {
    const r = await h.call("par", { tasks: [{ prompt: "a [[fake cost=0.1]]" }], budget: 1 });
    assert.deepEqual(r.data.budget, { limit: 1, spent: 0.1, stopped: false, not_started: [] });
  });

  it("par() turns a queue timeout on a resource pool into a failed ref for that task", async () => {
    const own = await createHarness({ env: { SWARM_QUEUE_TIMEOUT: "1", SWARM_RESOURCE_db: "1" } });
    try {
      // Both hold the pool longer than the queue timeout: whichever comes second times out.
      const task = { prompt: "uses db [[fake sleep=1600]]", resources: ["db"] };
      const r = await own.call("par", { tasks: [task, task] });
      assert.equal(r.isError, false, r.text);
      assert.deepEqual(r.data.results.map((x: { status: string }) => x.status).sort(), [
        "failed",
        "ok",
      ]);
      const failed = r.data.results.find((x: { status: string }) => x.status === "failed");
      assert.match(failed.error, /resource "db" \(capacity 1\) was not free within 1 s/);
      assert.equal(own.runtime.started, 1);
    } finally {
      await own.dispose();
    }
  });
});
