// Combinators end to end: the compiled binary (with the example best-of plugin loaded from a
// manifest path), real containers, the real claude CLI against the scripted model server.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type BinaryServer, binarySkip, startBinary, TEST_HOST_ID } from "../helpers/binary.ts";
import {
  agentImage,
  dockerSkip,
  type ModelEnv,
  ownedContainers,
  ROOT,
  startModelEnv,
} from "../helpers/docker-env.ts";
import { until } from "../helpers/wait.ts";

const skip = binarySkip || (await dockerSkip());

describe("combinators on real claude agents", { skip }, () => {
  let model: ModelEnv;
  let server: BinaryServer;
  let base: Record<string, unknown>;
  const say = (name: string, text: string) => model.script(name, { turns: [{ text }] });
  const text = async (ref: string) => readFile((await server.call("unwrap", { ref })).file, "utf8");
  const containers = (runId: string, agent?: string) =>
    ownedContainers({ "swarm-mcp.run": runId, ...(agent ? { "swarm-mcp.agent": agent } : {}) });

  before(async () => {
    await agentImage();
    model = await startModelEnv();
    server = await startBinary({
      ANTHROPIC_BASE_URL: model.baseUrl,
      ANTHROPIC_API_KEY: "sk-test-not-a-real-key",
    }, ["--manifest", join(ROOT, "test", "fixtures", "manifest.json")]);
    base = { network: model.network, model: "claude-sonnet-4-5", tools: "Read" };
  });
  after(async () => {
    await server?.close();
    await model?.stop();
  });

  it("par runs three agents and keeps input order; reduce synthesises their refs", async () => {
    await say("p0", "alpha");
    await say("p1", "beta");
    await say("p2", "gamma");
    const res = await server.call("par", {
      ...base,
      tasks: [0, 1, 2].map((i) => ({ prompt: `[[script:p${i}]] part ${i}` })),
    });
    assert.equal(res.succeeded, 3);
    assert.deepEqual(await Promise.all(res.results.map((r: { ref: string }) => text(r.ref))), [
      "alpha",
      "beta",
      "gamma",
    ]);
    assert.ok(res.totals.cost_usd > 0);
    await say("r", "alpha+beta+gamma");
    const red = await server.call("reduce", {
      ...base,
      inputs: res.results.map((r: { ref: string }) => ({ ref: r.ref })),
      synthesis_prompt: "[[script:r]] merge",
    });
    assert.equal(await text(red.result.ref), "alpha+beta+gamma");
    assert.deepEqual(red.result.parents, res.results.map((r: { ref: string }) => r.ref));
    const prompt = await readFile(
      join(server.dataDir, red.run_id, "reducer", "prompt.txt"),
      "utf8",
    );
    assert.match(prompt, /## Input 1\nalpha[\s\S]*## Input 3\ngamma/);
  });

  it("map fills the template; map_reduce maps then reduces", async () => {
    await say("m", "mapped");
    const res = await server.call("map", {
      ...base,
      prompt_template: "[[script:m]] item {input}",
      inputs: ["x", "y"],
    });
    assert.equal(res.succeeded, 2);
    assert.match(
      await readFile(join(server.dataDir, res.run_id, "agent-1", "prompt.txt"), "utf8"),
      /item y/,
    );
    await say("mr", "reduced");
    const mr = await server.call("map_reduce", {
      ...base,
      prompt_template: "[[script:m]] item {input}",
      inputs: ["a", "b", "c"],
      synthesis_prompt: "[[script:mr]] sum up",
    });
    assert.equal(mr.map_succeeded, 3);
    assert.equal(await text(mr.result.ref), "reduced");
  });

  it("chain feeds each stage the previous output and stops at the first failure", async () => {
    await say("c0", "first result");
    await say("c1", "second result");
    const ok = await server.call("chain", {
      ...base,
      stages: [{ prompt: "[[script:c0]] one" }, { prompt: "[[script:c1]] two" }],
    });
    assert.equal(ok.completed_stages, 2);
    assert.equal(await text(ok.final.ref), "second result");
    assert.match(
      await readFile(join(server.dataDir, ok.run_id, "stage-1", "prompt.txt"), "utf8"),
      /# Context from previous stage:\nfirst result/,
    );
    await model.script("cbad", {
      turns: [{ error: { status: 400, type: "invalid_request_error", message: "stage refused" } }],
    });
    const bad = await server.call("chain", {
      ...base,
      stages: [{ prompt: "[[script:c0]] one" }, { prompt: "[[script:cbad]] two" }, {
        prompt: "[[script:c1]] three",
      }],
    });
    assert.equal(bad.completed_stages, 1);
    assert.match(bad.error, /Stage 1 failed: .*stage refused/);
  });

  it("race returns the first success and the slow loser's container is gone within 2 s", async () => {
    await say("fast", "fast wins");
    await model.script("slowpoke", { turns: [{ delay_ms: 120000, text: "too late" }] });
    const res = await server.call("race", {
      ...base,
      tasks: [{ prompt: "[[script:slowpoke]] go" }, { prompt: "[[script:fast]] go" }],
    });
    assert.equal(await text(res.winner.ref), "fast wins");
    await until(
      "the loser's container removed",
      async () => (await containers(res.run_id, "agent-0")).length === 0,
      2000,
    );
  });

  it("retry fails, feeds the error into the next prompt, then succeeds", async () => {
    await model.script("flaky", {
      turns: [{
        error: { status: 400, type: "invalid_request_error", message: "first attempt refused" },
      }],
      variants: [{ if_contains: "Prior attempts failed", turns: [{ text: "fixed it" }] }],
    });
    const res = await server.call("retry", {
      ...base,
      prompt: "[[script:flaky]] do it",
      max_attempts: 3,
    });
    assert.equal(res.stamps.retry.attempt, 2);
    assert.equal(res.agent_id, "attempt-2");
    assert.equal(await text(res.ref), "fixed it");
    const second = await readFile(
      join(server.dataDir, res.run_id, "attempt-2", "prompt.txt"),
      "utf8",
    );
    assert.match(second, /Prior attempts failed[\s\S]*first attempt refused/);
  });

  it("wait_s returns a handle, wait finishes it, progress reaches the client", async () => {
    await model.script("takes3s", { turns: [{ delay_ms: 3500, text: "slow but done" }] });
    const progress: string[] = [];
    const started = await server.call("par", {
      ...base,
      tasks: [{ prompt: "[[script:takes3s]] a" }, { prompt: "[[script:takes3s]] b" }],
      wait_s: 0,
    });
    assert.equal(started.status, "running");
    assert.match(started.message, /call wait/i);
    const done = await server.call("wait", { run_id: started.run_id, wait_s: 60 }, {
      onprogress: (p) => void progress.push(p.message ?? ""),
    });
    assert.equal(done.succeeded, 2);
    assert.ok(
      progress.some((m) => /\d\/2 agents done/.test(m)),
      `progress: ${progress.join(" | ")}`,
    );
    const listed = await server.call("runs", { limit: 50 });
    assert.ok(
      listed.runs.some((r: { run_id: string; status: string }) =>
        r.run_id === started.run_id && r.status === "done"
      ),
    );
  });

  it("cancel stops a running call's containers within 2 s", async () => {
    await model.script("forever", { turns: [{ delay_ms: 120000, text: "never" }] });
    const started = await server.call("map", {
      ...base,
      prompt_template: "[[script:forever]] {input}",
      inputs: [1, 2],
      wait_s: 0,
    });
    await until(
      "both containers running",
      async () => (await containers(started.run_id)).length === 2,
      30000,
    );
    const res = await server.call("cancel", { run_id: started.run_id });
    assert.equal(res.status, "cancelled");
    await until(
      "the run's containers removed",
      async () => (await containers(started.run_id)).length === 0,
      2000,
    );
  });

  it("the example best_of plugin, loaded by path into the binary, runs on real agents", async () => {
    await say("cand", "a candidate answer");
    const res = await server.call("best_of", {
      prompt: "[[script:cand]] answer",
      n: 2,
      judge_prompt: "[[script:cand]] pick",
      sandbox: base,
    });
    assert.equal(res.candidates.length, 2);
    assert.equal(res.best.status, "ok");
    assert.ok(res.cost_usd > 0);
  });

  it("par at concurrency 5 stays within its budget: each agent's CLI is capped at its share", async () => {
    // $0.05001 a turn on claude-sonnet-4-5 ($3 / $15 per million tokens); an agent would go on for
    // 11 turns ($0.55) if its cap let it, so five capped at the whole budget spent $2.50.
    const usage = { input_tokens: 15000, output_tokens: 334 };
    const read = { name: "Read", input: { file_path: "/etc/hostname" } };
    await model.script("spend", {
      turns: [...Array.from({ length: 10 }, () => ({ tool_use: read, usage })), {
        text: "done",
        usage,
      }],
    });
    const res = await server.call("par", {
      ...base,
      tasks: [0, 1, 2, 3, 4].map((i) => ({ prompt: `[[script:spend]] part ${i}` })),
      budget: 0.5,
      max_concurrency: 5,
    });
    const spent = res.totals.cost_usd;
    assert.ok(spent <= 0.5 + 0.05001, `spent $${spent} of a $0.5 budget`);
    assert.ok(spent >= 0.5, `each agent should have reached its $0.1 share: $${spent}`);
    for (const r of res.results) assert.match(r.error, /maximum budget \(\$0\.1\)/);
    assert.deepEqual(res.budget.not_started, []);
  });

  it("leaves none of its server's containers behind", async () => {
    // Scoped to this process's host label: other servers on the same engine have their own containers.
    assert.deepEqual(await ownedContainers({ "swarm-mcp.host": TEST_HOST_ID }), []);
  });
});
