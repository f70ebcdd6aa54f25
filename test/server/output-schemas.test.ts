// Every tool declares an outputSchema, and every real result matches it: each tool is driven once
// on the fake runtime (a running result too) and its structuredContent is checked with ajv, as SDK
// clients do (a mismatch is an error on their side). The text block is a short summary that still
// names what a client without structured output needs: ref ids, statuses, costs.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { createHarness, type Harness } from "../helpers/harness.ts";

const fake = (text: string) => `[[fake text=${JSON.stringify(text)}]]`;
/** An agent whose output text makes a validator agent (fake runtime) answer VALID. */
const validOutput = fake(fake(JSON.stringify({ verdict: "VALID", score: 1, issues: [] })));

describe("outputSchema of every tool", () => {
  let h: Harness;
  let project: string;
  // deno-lint-ignore no-explicit-any
  const schemas = new Map<string, any>();
  const ajv = new Ajv({ strict: false, allErrors: true });
  const checked = new Set<string>();

  before(async () => {
    project = await mkdtemp(join(tmpdir(), "swarm-outputs-"));
    await mkdir(join(project, "types"));
    await writeFile(join(project, "types", "report.md"), "# A report\nIt has a summary.\n");
    h = await createHarness({ env: { SWARM_PROJECT_DIR: project } });
    for (const t of (await h.client.listTools()).tools) schemas.set(t.name, t.outputSchema);
  });
  after(async () => {
    await h?.dispose();
    await rm(project, { recursive: true, force: true });
  });

  /** Call through the SDK client (which validates too, having listed the tools), then ajv. */
  async function call(name: string, args: Record<string, unknown>) {
    const r = await h.call(name, args);
    assert.equal(r.isError, false, `${name}: ${r.text}`);
    const validate = ajv.compile(schemas.get(name));
    assert.ok(validate(r.data), `${name}: ${JSON.stringify(validate.errors)}\n${r.text}`);
    checked.add(name);
    return r;
  }

  it("is declared on every tool as a small object schema", () => {
    assert.ok(schemas.size >= 28, `${schemas.size} tools`);
    for (const [name, s] of schemas) {
      assert.equal(s?.type, "object", name);
      assert.ok(JSON.stringify(s).length <= 700, `${name}: ${JSON.stringify(s).length} bytes`);
    }
  });

  it("matches what each tool really returns, running results included", async () => {
    const one = await call("run", { prompt: `${fake("hello")} go` });
    const ref = one.data.ref;
    const running = await call("run", { prompt: "[[fake sleep=400]] slow", wait_s: 0 });
    assert.equal(running.data.status, "running");
    const waited = await call("wait", { run_id: running.data.run_id, wait_s: 30 });
    assert.equal(waited.data.status, "ok", waited.text);
    await call("status", { run_id: one.data.run_id });
    await call("runs", {});
    const cancelled = await call("run", { prompt: "[[fake hang]] stuck", wait_s: 0 });
    await call("cancel", { run_id: cancelled.data.run_id });
    const par = await call("par", {
      tasks: [{ prompt: validOutput }, { prompt: "[[fake fail=no]]" }],
    });
    await call("map", { prompt_template: "{input}", inputs: ["a", "b"] });
    await call("chain", { stages: [{ prompt: "one" }, { prompt: "two" }] });
    await call("chain", { stages: [{ prompt: "[[fake fail=broke]] one" }, { prompt: "two" }] });
    await call("reduce", { inputs: ["a", "b"], synthesis_prompt: "merge" });
    await call("map_reduce", { prompt_template: "{input}", inputs: ["a"], synthesis_prompt: "m" });
    await call("race", { tasks: [{ prompt: "a" }, { prompt: "b" }] });
    await call("retry", { prompt: "once" });
    await call("filter", { refs: par.data.results, declared_type: "report" });
    await call("validate", { artifact: { ref: par.data.results[0].ref }, declared_type: "report" });
    await call("guard", { ref, check: "exists" });
    await call("unwrap", { ref });
    await call("inspect", { ref });
    await call("list_type_registry", {});
    await call("get_type_definition", { name: "report" });
    await call("resolve_type", { text: "report" });
    await call("check_schema", { schema: { type: "object" }, value: {} });
    await call("classify", { ref, level: "internal" });
    const sealed = await call("encrypt", { ref: par.data.results[0].ref });
    await call("decrypt", { ref: sealed.data.ref, key_id: sealed.data.key_id });
    await call("list_sandbox_specs", {});
  });

  it("sends a short text that names each ref, its status and cost", async () => {
    const r = await call("map", {
      prompt_template: '[[fake text="x" cost=0.25]] {input}',
      inputs: Array.from({ length: 50 }, (_, i) => `item ${i}`),
    });
    assert.equal(r.data.results.length, 50);
    for (const ref of r.data.results) {
      assert.ok(r.text.includes(`${ref.ref} ok $0.25`), `${ref.ref} missing from:\n${r.text}`);
    }
    assert.ok(r.text.length * 4 < JSON.stringify(r.data).length, `text is ${r.text.length} chars`);
    assert.doesNotMatch(r.text, /content_hash|session_id/);
    const failed = await call("run", { prompt: "[[fake fail=boom]] x" });
    const [first] = failed.text.split("\n");
    assert.match(first!, new RegExp(`^${failed.data.ref} failed \\$[0-9.]+ [0-9.]+s: .*boom`));
    assert.match(failed.text, new RegExp(`output_dir: ${failed.data.output_dir}`));
    // A top-level text is the payload of some tools: a text-only client gets it whole.
    const definition = await call("get_type_definition", { name: "report" });
    assert.match(definition.text, /^name: report\ndefinition:\n# A report\nIt has a summary\./);
  });
});
