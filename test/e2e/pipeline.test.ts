// pipeline end to end: the compiled binary, a pipeline file from $SWARM_PROJECT_DIR/pipelines,
// real containers and the real claude CLI against the scripted model server. Step 1 writes into
// /shared, step 2 reads it and fails once, on_fail routes to a fixer, the run completes; then the
// same pipeline resumed from its second step sees the fixed file in the same /shared.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BinaryServer, binarySkip, startBinary } from "../helpers/binary.ts";
import { until } from "../helpers/wait.ts";
import {
  agentImage,
  dockerSkip,
  type ModelEnv,
  ownedContainers,
  startModelEnv,
} from "../helpers/docker-env.ts";

const skip = binarySkip || (await dockerSkip());

describe("pipeline on real claude agents", { skip }, () => {
  let model: ModelEnv;
  let server: BinaryServer;
  let project: string;
  const tool = (name: string, input: object) => ({ tool_use: { name, input } });
  /** Whether the agent's transcript holds `text` (what a Read of /shared returned). */
  const saw = async (ref: string, text: string) =>
    (await readFile(join(server.dataDir, ref, "stream.jsonl"), "utf8")).includes(text);

  before(async () => {
    await agentImage();
    model = await startModelEnv();
    project = await mkdtemp(join(tmpdir(), "swarm-project-"));
    await mkdir(join(project, "pipelines"));
    await writeFile(
      join(project, "pipelines", "fix-loop.json"),
      JSON.stringify({
        name: "fix-loop",
        sandbox: { network: model.network, model: "claude-sonnet-4-5", tools: "Read,Write" },
        budget: 5,
        deadline_seconds: 600,
        steps: [
          { id: "write", prompt: "[[script:write]] write the data" },
          { id: "check", prompt: "[[script:check]] check the data", on_fail: "fix" },
          {
            id: "fix",
            prompt: "[[script:fix]] fix the data",
            condition: "prev.error",
            next: "check",
          },
        ],
      }),
    );
    await model.script("write", {
      turns: [
        {
          text: "Writing.",
          ...tool("Write", { file_path: "/shared/data.txt", content: "SHARED-42\n" }),
        },
        { text: "wrote /shared/data.txt" },
      ],
    });
    // The first check reads the file and fails; after the fixer (its output in the context) it passes.
    const read = { text: "Reading.", ...tool("Read", { file_path: "/shared/data.txt" }) };
    await model.script("check", {
      turns: [read, {
        error: { status: 400, type: "invalid_request_error", message: "check failed: 42 is wrong" },
      }],
      variants: [{ if_contains: "previous step (fix)", turns: [read, { text: "PASS" }] }],
    });
    // The CLI's Write refuses to overwrite a file it has not read: the fixer reads first.
    await model.script("fix", {
      turns: [
        { text: "Looking.", ...tool("Read", { file_path: "/shared/data.txt" }) },
        {
          text: "Fixing.",
          ...tool("Write", { file_path: "/shared/data.txt", content: "SHARED-43 fixed\n" }),
        },
        { text: "fixed" },
      ],
    });
    server = await startBinary({
      ANTHROPIC_BASE_URL: model.baseUrl,
      ANTHROPIC_API_KEY: "sk-test-not-a-real-key",
      SWARM_PROJECT_DIR: project,
    });
  });
  after(async () => {
    await server?.close();
    await model?.stop();
    if (project) await rm(project, { recursive: true, force: true });
    if (server) await rm(server.dataDir, { recursive: true, force: true });
  });

  it("runs the project's pipeline through on_fail and a fixer, then resumes it at its second step", async () => {
    const d = await server.call("pipeline", { definition: "fix-loop", wait_s: 600 });
    assert.equal(d.status, "done", JSON.stringify(d));
    assert.equal(d.name, "fix-loop");
    assert.deepEqual(
      d.trace.map((e: { step_id: string; status: string }) => `${e.step_id}:${e.status}`),
      ["write:ok", "check:failed", "fix:ok", "check:ok", "fix:skipped"],
    );
    assert.deepEqual(d.trace.map((e: { jumped_to: string | null }) => e.jumped_to), [
      null,
      "fix",
      "check",
      null,
      null,
    ]);
    assert.match(d.trace[1].reason, /check failed: 42 is wrong/);
    assert.equal(d.final.ref, `${d.run_id}/check.2`);
    assert.deepEqual(d.final.parents, [`${d.run_id}/fix.1`]);
    assert.ok(
      d.total_cost_usd > 0 && d.budget.spent === d.total_cost_usd,
      JSON.stringify(d.budget),
    );
    assert.equal(d.deadline_met, true);
    // Step 2 read what step 1 wrote; the second check read what the fixer wrote.
    assert.ok(await saw(`${d.run_id}/check.1`, "SHARED-42"), "check.1 did not read step 1's file");
    assert.ok(await saw(`${d.run_id}/check.2`, "SHARED-43 fixed"), "check.2 did not read the fix");
    const shared = await readFile(join(server.dataDir, d.run_id, "shared", "data.txt"), "utf8");
    assert.equal(shared, "SHARED-43 fixed\n");
    assert.deepEqual(await ownedContainers({ "swarm-mcp.run": d.run_id }), []);

    const r = await server.call("pipeline", {
      definition: "fix-loop",
      resume: `${d.run_id}/check`,
      wait_s: 600,
    });
    assert.equal(r.status, "done", JSON.stringify(r));
    assert.equal(r.restored_steps, 1);
    assert.equal(r.trace[0].ref, `${d.run_id}/write.1`);
    assert.equal(r.trace[1].ref, `${r.run_id}/check.1`);
    // The resumed check starts with step 1's context and reads the /shared the first run left.
    const prompt = await readFile(join(server.dataDir, r.run_id, "check.1", "prompt.txt"), "utf8");
    assert.match(prompt, /# Context from previous step \(write\):\nwrote \/shared\/data.txt/);
    assert.ok(
      await saw(`${r.run_id}/check.1`, "SHARED-43 fixed"),
      "the resumed check saw another /shared",
    );
    const kept = await server.call("wait", { run_id: r.run_id, wait_s: 0 });
    assert.deepEqual(kept.trace, r.trace);
  });

  it("cancel kills the running step's container within seconds; the result says cancelled", async () => {
    await model.script("stall", { turns: [{ delay_ms: 120000, text: "too late" }] });
    const started = await server.call("pipeline", {
      definition: {
        sandbox: { network: model.network, model: "claude-sonnet-4-5", tools: "Read" },
        steps: [{ id: "stall", prompt: "[[script:stall]] wait" }, { prompt: "never" }],
      },
      wait_s: 0,
    });
    const runId = started.run_id;
    await until(
      "the step's container",
      async () => (await ownedContainers({ "swarm-mcp.run": runId })).length === 1,
      60000,
      250,
    );
    await server.call("cancel", { run_id: runId });
    await until(
      "the container gone",
      async () => (await ownedContainers({ "swarm-mcp.run": runId })).length === 0,
      3000,
      100,
    );
    const d = await server.call("wait", { run_id: runId, wait_s: 10 });
    assert.equal(d.status, "cancelled");
    assert.deepEqual(
      d.trace.map((e: { step_id: string; status: string }) => `${e.step_id}:${e.status}`),
      ["stall:cancelled"],
    );
  });

  it("retry_if falls through once used up, the deadline stops a stalled step, the budget stops the run", async () => {
    const sandbox = { network: model.network, model: "claude-sonnet-4-5", tools: "Read" };
    await model.script("draft", { turns: [{ text: "a draft" }] });
    await model.script("review", { turns: [{ text: "NEEDS_REVISION: thin" }] });
    await model.script("stalled", { turns: [{ delay_ms: 120000, text: "too late" }] });
    const t0 = Date.now();
    const d = await server.call("pipeline", {
      definition: {
        sandbox,
        deadline_seconds: 25,
        steps: [
          { id: "draft", prompt: "[[script:draft]] draft", max_retries: 1 },
          {
            id: "review",
            prompt: "[[script:review]] review",
            retry_if: { draft: "NEEDS_REVISION" },
          },
          { id: "stalled", prompt: "[[script:stalled]] stall" },
          { id: "never", prompt: "never" },
        ],
      },
      wait_s: 120,
    });
    assert.equal(d.status, "deadline_exceeded", JSON.stringify(d));
    assert.deepEqual(
      d.trace.map((e: { step_id: string; status: string }) => `${e.step_id}:${e.status}`),
      ["draft:ok", "review:ok", "draft:ok", "review:ok", "stalled:timeout"],
    );
    assert.match(
      d.trace[3].reason,
      /matched but "draft" was entered 1 time\(s\) \(max_retries 1\); going on/,
    );
    assert.equal(d.deadline_met, false);
    assert.ok(Date.now() - t0 < 60000, `took ${Date.now() - t0} ms`);
    assert.deepEqual(await ownedContainers({ "swarm-mcp.run": d.run_id }), []);

    // One turn costs about $0.30 (100k input tokens at $3 a million): the budget is spent after the first step.
    await model.script("costly", {
      turns: [{ text: "spent", usage: { input_tokens: 100000, output_tokens: 10 } }],
    });
    const b = await server.call("pipeline", {
      definition: {
        sandbox,
        budget: 0.1,
        steps: [{ id: "costly", prompt: "[[script:costly]] go" }, { id: "after", prompt: "never" }],
      },
      wait_s: 120,
    });
    assert.equal(b.status, "budget_exhausted", JSON.stringify(b));
    assert.deepEqual(b.trace.map((e: { step_id: string }) => e.step_id), ["costly"]);
    assert.ok(b.budget.spent >= 0.1 && b.budget.limit === 0.1, JSON.stringify(b.budget));
  });
});
