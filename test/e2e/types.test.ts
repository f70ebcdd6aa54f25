// Types end to end: the compiled binary finds types/report.md in a project dir, and validate,
// filter, retry(declared_type), guard validated, output_type and output_schema work on real claude
// agents in containers against the scripted model server. The validator's prompt holds the
// artifact, so a worker's output carries the [[script:judge-…]] marker that picks the verdict.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BinaryServer, binarySkip, startBinary, TEST_HOST_ID } from "../helpers/binary.ts";
import { agentImage, dockerSkip, type ModelEnv, ownedContainers } from "../helpers/docker-env.ts";
import { startModelEnv } from "../helpers/docker-env.ts";

const skip = binarySkip || (await dockerSkip());
const REPORT =
  "# A risk report\nThe report must name at least 3 risk factors, each with a mitigation.\n";
const verdict = (score: number, v: string, issues: object[] = []) =>
  JSON.stringify({ score, verdict: v, issues });

describe("types on real claude agents", { skip }, () => {
  let model: ModelEnv;
  let server: BinaryServer;
  let project: string;
  let base: Record<string, unknown>;
  const say = (name: string, text: string) => model.script(name, { turns: [{ text }] });
  const prompt = (runId: string, agent: string) =>
    readFile(join(server.dataDir, runId, agent, "prompt.txt"), "utf8");

  before(async () => {
    await agentImage();
    model = await startModelEnv();
    project = await mkdtemp(join(tmpdir(), "swarm-types-e2e-"));
    await mkdir(join(project, "types"));
    await mkdir(join(project, "sandboxes"));
    await writeFile(join(project, "types", "report.md"), REPORT);
    base = { network: model.network, model: "claude-sonnet-4-5", tools: "Read" };
    // Where filter and retry's validators run: they reach the model server on the test network.
    await writeFile(join(project, "sandboxes", "validator.json"), JSON.stringify(base));
    server = await startBinary({
      ANTHROPIC_BASE_URL: model.baseUrl,
      ANTHROPIC_API_KEY: "sk-test-not-a-real-key",
      SWARM_PROJECT_DIR: project,
    });
    // Fenced and prose-wrapped answers, as real models give them.
    await say("judge-valid", verdict(1, "VALID"));
    await say(
      "judge-partial",
      `Here is my judgement:\n\`\`\`json\n${
        verdict(0.5, "PARTIAL", [{ criterion: "risk factors", problem: "only 2 of 3 named" }])
      }\n\`\`\`\nHope this helps.`,
    );
    await say(
      "judge-invalid",
      verdict(0, "INVALID", [{ criterion: "risk factors", problem: "none named" }]),
    );
  });
  after(async () => {
    await server?.close();
    await model?.stop();
    if (project) await rm(project, { recursive: true, force: true });
  });

  it("finds types/report.md in the project dir", async () => {
    const list = await server.call("list_type_registry", {});
    const entries = list.result ?? list;
    assert.deepEqual(entries.map((t: { name: string }) => t.name), ["report"]);
    assert.equal(entries[0].summary, "A risk report");
    const def = await server.call("get_type_definition", { name: "report" });
    assert.equal(def.definition, REPORT.trim());
  });

  it("validate answers VALID, PARTIAL and INVALID from a real validator agent", async () => {
    const cases = [
      ["judge-valid", "VALID", 1, []],
      ["judge-partial", "PARTIAL", 0.5, [{
        criterion: "risk factors",
        problem: "only 2 of 3 named",
      }]],
      ["judge-invalid", "INVALID", 0, [{ criterion: "risk factors", problem: "none named" }]],
    ] as const;
    const results = await Promise.all(cases.map(([script]) =>
      server.call("validate", {
        artifact: `Risks: rain. [[script:${script}]]`,
        declared_type: "report",
        sandbox: base,
      })
    ));
    for (const [i, [, v, score, issues]] of cases.entries()) {
      assert.equal(results[i].verdict, v);
      assert.equal(results[i].score, score);
      assert.deepEqual(results[i].issues, issues);
    }
    const [runId, agent] = results[0].validation_ref.split("/");
    const p = await prompt(runId, agent);
    assert.match(p, /# Declared Type: report\n# A risk report/);
    assert.match(p, /<artifact>\nRisks: rain\. \[\[script:judge-valid\]\]\n<\/artifact>/);
  });

  it("filter over three refs keeps the VALID one; guard validated passes it and refuses the others", async () => {
    await say("w-good", "Three risks, mitigated. [[script:judge-valid]]");
    await say("w-part", "Two risks. [[script:judge-partial]]");
    await say("w-bad", "No risks. [[script:judge-invalid]]");
    const par = await server.call("par", {
      ...base,
      tasks: ["w-good", "w-part", "w-bad"].map((s) => ({ prompt: `[[script:${s}]] report` })),
    });
    assert.equal(par.succeeded, 3);
    const refs = par.results.map((r: { ref: string }) => r.ref);
    const res = await server.call("filter", { refs, declared_type: "report" });
    assert.equal(res.total, 3);
    assert.deepEqual(res.results.map((r: { ref: string }) => r.ref), [refs[0]]);
    assert.equal(res.results[0].stamps.validated.verdict, "VALID");
    assert.deepEqual(
      res.rejected.map((r: { ref: string; verdict: string }) => [r.ref, r.verdict]),
      [[refs[1], "PARTIAL"], [refs[2], "INVALID"]],
    );
    assert.deepEqual(res.rejected[1].issues, ["risk factors: none named"]);

    const ok = await server.call("guard", { ref: refs[0], check: "validated", value: "report" });
    assert.equal(ok.ref, refs[0]);
    for (const ref of [refs[1], refs[2]]) {
      const no = await server.call("guard", { ref, check: "validated" }, { allowError: true });
      assert.equal(no.isError, true);
      assert.match(no.text, /Cannot pass guard "validated"/);
    }
  });

  it("retry with declared_type retries until valid, telling the attempt the verdict's issues", async () => {
    await model.script("rw", {
      turns: [{ text: "A draft. [[script:judge-invalid]]" }],
      variants: [{
        if_contains: "risk factors: none named",
        turns: [{ text: "The final report. [[script:judge-valid]]" }],
      }],
    });
    const res = await server.call("retry", {
      ...base,
      prompt: "[[script:rw]] write the report",
      declared_type: "report",
      max_attempts: 3,
    });
    assert.equal(res.agent_id, "attempt-2");
    assert.equal(res.stamps.validated.verdict, "VALID");
    assert.match(res.stamps.retry.prior_errors[0], /INVALID, score 0\): risk factors: none named/);
    assert.match(
      await prompt(res.run_id, "attempt-2"),
      /# Prior attempts failed[\s\S]*Type validation failed \(INVALID, score 0\): risk factors: none named/,
    );
    // The model server answered with the variant, which it serves only when the worker's prompt it
    // received holds the first verdict's issues.
    const served = (await model.requests()).filter((r) => r.marker === "rw");
    assert.ok(served.length >= 2, `requests for rw: ${served.length}`);
    const out = await server.call("unwrap", { ref: res.ref });
    assert.equal(await readFile(out.file, "utf8"), "The final report. [[script:judge-valid]]");
  });

  it("output_type injects the registered definition into the agent's prompt; plain text stays", async () => {
    await model.script("typed", {
      turns: [{ text: "untyped" }],
      variants: [{ if_contains: "at least 3 risk factors", turns: [{ text: "typed" }] }],
    });
    const typed = await server.call("run", {
      ...base,
      prompt: "[[script:typed]] go",
      output_type: "report",
    });
    const p = await prompt(typed.run_id, typed.agent_id);
    assert.match(p, /# Output Type\n[\s\S]*at least 3 risk factors/);
    assert.equal(p.split("at least 3 risk factors").length, 2, "the type appears once");
    const unwrap = async (ref: string) =>
      readFile((await server.call("unwrap", { ref })).file, "utf8");
    assert.equal(await unwrap(typed.ref), "typed");
    const plain = await server.call("run", {
      ...base,
      prompt: "[[script:typed]] go",
      output_type: "a haiku",
    });
    assert.match(await prompt(plain.run_id, plain.agent_id), /# Output Type\n[^\n]*a haiku/);
    assert.equal(await unwrap(plain.ref), "untyped");
  });

  it("output_schema: an invalid schema is refused before any agent; structured output is on the ref", async () => {
    const bad = await server.call("run", {
      ...base,
      prompt: "never runs",
      output_schema: { type: "no-such-type" },
    }, { allowError: true });
    assert.equal(bad.isError, true);
    assert.match(bad.text, /Cannot use "output_schema": it is not a usable JSON Schema/);
    const schema = {
      type: "object",
      properties: { risks: { type: "array", items: { type: "string" } } },
      required: ["risks"],
    };
    await model.script("so", {
      turns: [{ tool_use: { name: "StructuredOutput", input: { risks: ["rain", "fire"] } } }],
    });
    const ok = await server.call("run", {
      ...base,
      prompt: "[[script:so]] list risks",
      output_schema: schema,
    });
    assert.equal(ok.status, "ok", ok.error);
    assert.deepEqual(ok.structured_output, { risks: ["rain", "fire"] });
  });

  it("leaves none of its server's containers behind", async () => {
    assert.deepEqual(await ownedContainers({ "swarm-mcp.host": TEST_HOST_ID }), []);
  });
});
