// The claude driver's parse, on transcripts captured from the real CLI (claude 2.1.330 against
// test/fixtures/model-server; see its README) and on synthetic edge cases.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, writeFile } from "node:fs/promises";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { claudeDriver } from "../../../src/plugins/claude-code/index.ts";
import type { AgentJob, SandboxSpec } from "../../../src/core/types.ts";
import { createDirs, exit, type Fixture, fixture } from "../command/fake-core.ts";

const CAPTURED = join(
  import.meta.dirname ?? new URL(".", import.meta.url).pathname,
  "../../fixtures/claude-stream",
);
const SCHEMA = { type: "object", properties: { name: { type: "string" } }, required: ["name"] };

let fx: Fixture;
before(async () => {
  fx = await fixture({ ANTHROPIC_API_KEY: "sk-test" });
});
after(() => fx.cleanup());

async function jobWith(
  captured: string | null,
  spec: Partial<SandboxSpec> = {},
  stderr = "",
): Promise<AgentJob> {
  const job = fx.job(spec);
  await createDirs(job);
  if (captured) await copyFile(join(CAPTURED, captured), job.paths.stream);
  await writeFile(job.paths.stderr, stderr);
  return job;
}

const parse = (job: AgentJob, e = exit()) => claudeDriver(fx.core).parse(job, e);

describe("claude driver: parse captured transcripts", () => {
  test("success with a tool call: text, cost, session, turns, usage, model", async () => {
    const out = await parse(await jobWith("success-tool.jsonl", { model: "sonnet" }));
    assert.equal(out.status, "ok");
    assert.equal(out.error, null);
    assert.equal(out.text, "I wrote hello.txt.");
    assert.equal(out.cost_usd, 0.052146);
    assert.equal(out.session_id, "ac46fd4a-163d-41a8-a55c-87cbcf76607a");
    assert.equal(out.num_turns, 2);
    assert.equal(
      out.model,
      "claude-sonnet-4-5",
      "the model the CLI reported, not the alias asked for",
    );
    assert.equal((out.usage as Record<string, number>).output_tokens, 62);
    assert.equal(out.structured_output, undefined);
  });

  test("an API error result (subtype success, is_error true) is a failure with the CLI's message", async () => {
    const out = await parse(await jobWith("error-api-400.jsonl"), exit({ exitCode: 1 }));
    assert.equal(out.status, "failed");
    assert.equal(out.exit_code, 1);
    assert.match(out.error!, /API Error: 400 scripted bad request/);
    assert.equal(out.cost_usd, 0);
  });

  test("budget exhausted: failed with the subtype and the CLI's errors, cost kept", async () => {
    const out = await parse(await jobWith("error-budget.jsonl"), exit({ exitCode: 1 }));
    assert.equal(out.status, "failed");
    assert.match(out.error!, /error_max_budget_usd/);
    assert.match(out.error!, /Reached maximum budget \(\$0\.5\)/);
    assert.ok(out.cost_usd! > 0.5);
  });

  test("structured output: returned when the agent called StructuredOutput", async () => {
    const out = await parse(await jobWith("structured.jsonl", { output_schema: SCHEMA }));
    assert.equal(out.status, "ok");
    assert.deepEqual(out.structured_output, { name: "Ada" });
    assert.equal(out.text, '{"name":"Ada"}');
  });

  test("structured output: retries exhausted, or never provided, are failures", async () => {
    const retries = await parse(
      await jobWith("error-structured-retries.jsonl", { output_schema: SCHEMA }),
      exit({ exitCode: 1 }),
    );
    assert.equal(retries.status, "failed");
    assert.match(retries.error!, /error_max_structured_output_retries/);
    assert.match(retries.error!, /Failed to provide valid structured output after 5 attempts/);
    const never = await parse(await jobWith("schema-not-called.jsonl", { output_schema: SCHEMA }));
    assert.equal(never.status, "failed");
    assert.match(never.error!, /StructuredOutput/);
    assert.equal(never.text, "done");
  });

  test("a timeout keeps the partial assistant text", async () => {
    const out = await parse(
      await jobWith("partial-killed.jsonl", { timeout: 30 }),
      exit({ exitCode: 137, timedOut: true }),
    );
    assert.equal(out.status, "timeout");
    assert.equal(out.text, "Starting the long job.");
    assert.equal(out.error, "Timed out after 30 s (partial output: 22 chars)");
    assert.equal(out.session_id, "e44e3c11-ac2d-4a17-9960-59600d25038b");
    assert.equal(out.model, "claude-sonnet-4-5");
    assert.equal(out.cost_usd, null);
  });

  test("no result line: failed with the exit code and stderr's last lines", async () => {
    const job = await jobWith(
      "partial-killed.jsonl",
      {},
      "starting\nError: connect ECONNREFUSED 10.0.0.1:443\n",
    );
    const out = await parse(job, exit({ exitCode: 143 }));
    assert.equal(out.status, "failed");
    assert.equal(out.error, "Exit code 143: starting\nError: connect ECONNREFUSED 10.0.0.1:443");
    assert.equal(out.text, "Starting the long job.");
  });

  test("no output at all: failed, saying so", async () => {
    const out = await parse(await jobWith(null), exit({ exitCode: 1 }));
    assert.equal(out.status, "failed");
    assert.equal(out.error, "Exit code 1: the CLI wrote no output");
    assert.equal(out.model, "claude-sonnet-4-5");
  });

  test("cancelled wins over everything else", async () => {
    const out = await parse(
      await jobWith("partial-killed.jsonl"),
      exit({ exitCode: 137, cancelled: true }),
    );
    assert.equal(out.status, "cancelled");
    assert.equal(out.text, "Starting the long job.");
  });

  test("a result line written before a timeout kill still counts", async () => {
    const out = await parse(
      await jobWith("success-tool.jsonl"),
      exit({ exitCode: 137, timedOut: true }),
    );
    assert.equal(out.status, "ok");
    assert.equal(out.text, "I wrote hello.txt.");
  });
});

describe("claude driver: parse synthetic transcripts", () => {
  const line = (x: unknown) => JSON.stringify(x) + "\n";

  test("sub-agent text stays out of the partial text; broken lines are skipped", async () => {
    const job = await jobWith(null);
    await writeFile(
      job.paths.stream,
      [
        line({ type: "system", subtype: "init", model: "m-1", session_id: "s-1" }),
        line({
          type: "assistant",
          parent_tool_use_id: null,
          message: {
            content: [{ type: "text", text: "main" }, { type: "tool_use", name: "Task" }],
          },
        }),
        line({
          type: "assistant",
          parent_tool_use_id: "toolu_1",
          message: { content: [{ type: "text", text: "sub-agent chatter" }] },
        }),
        '{"type":"assistant","message":{"content":[{"type":"te', // cut by the kill
      ].join(""),
    );
    const out = await parse(job, exit({ exitCode: 137, timedOut: true }));
    assert.equal(out.text, "main");
    assert.equal(out.model, "m-1");
    assert.equal(out.session_id, "s-1");
  });

  test("a large transcript is read line by line", async () => {
    const job = await jobWith(null);
    const ws = createWriteStream(job.paths.stream);
    const big = "x".repeat(1024 * 1024);
    ws.write(line({ type: "system", subtype: "init", model: "m-2", session_id: "s-2" }));
    for (let i = 0; i < 24; i++) {
      ws.write(
        line({
          type: "user",
          message: { role: "user", content: [{ type: "tool_result", content: big }] },
        }),
      );
    }
    ws.write(
      line({
        type: "result",
        subtype: "success",
        is_error: false,
        result: "survived",
        total_cost_usd: 1.5,
        num_turns: 25,
        session_id: "s-2",
      }),
    );
    await new Promise<void>((resolve, reject) =>
      ws.end((e?: Error | null) => (e ? reject(e) : resolve()))
    );
    const out = await parse(job);
    assert.equal(out.status, "ok");
    assert.equal(out.text, "survived");
    assert.equal(out.cost_usd, 1.5);
    assert.equal(out.num_turns, 25);
  });

  test("an error subtype without is_error is still a failure", async () => {
    const job = await jobWith(null);
    await writeFile(
      job.paths.stream,
      line({
        type: "result",
        subtype: "error_max_turns",
        errors: ["Reached max turns (3)"],
        num_turns: 3,
      }),
    );
    const out = await parse(job, exit({ exitCode: 1 }));
    assert.equal(out.status, "failed");
    assert.equal(out.error, "Claude Code failed (error_max_turns): Reached max turns (3)");
  });
});
