// The types plugin on a real core (fake runtime): the registry on the search paths, resolution
// through the tools, ajv conformance, and what validate refuses before any agent starts.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";

describe("types plugin tools", () => {
  let h: Harness;
  let project: string;
  before(async () => {
    project = await mkdtemp(join(tmpdir(), "swarm-types-"));
    await mkdir(join(project, "types"));
    await writeFile(join(project, "types", "report.md"), "# A report\nIt has a [summary].\n");
    await writeFile(join(project, "types", "summary.md"), "One paragraph.\n");
    await writeFile(join(project, "secret.md"), "host secret\n");
    await symlink(join(project, "secret.md"), join(project, "types", "linked.md"));
    h = await createHarness({ env: { SWARM_PROJECT_DIR: project } });
  });
  after(async () => {
    await h?.dispose();
    await rm(project, { recursive: true, force: true });
  });

  it("lists the project's types with their first line, never a planted link", async () => {
    const r = await h.call("list_type_registry", {});
    assert.equal(r.isError, false, r.text);
    const list = r.data.result ?? r.data;
    assert.deepEqual(list.map((t: { name: string }) => t.name), ["report", "summary"]);
    assert.equal(list[0].summary, "A report");
    assert.equal(list[0].source, join(project, "types", "report.md"));
  });

  it("gets a definition with its references resolved, or raw", async () => {
    const r = await h.call("get_type_definition", { name: "report" });
    assert.equal(r.data.definition, "# A report\nIt has a **summary**: One paragraph..");
    const raw = await h.call("get_type_definition", { name: "report", resolve_refs: false });
    assert.equal(raw.data.definition, "# A report\nIt has a [summary].");
    const link = await h.call("get_type_definition", { name: "linked" });
    assert.equal(link.isError, true);
    assert.doesNotMatch(link.text, /host secret/);
  });

  it("an unknown type is NOT_FOUND naming the search paths tried; a bad name is refused", async () => {
    for (const tool of ["get_type_definition", "validate"]) {
      const args = tool === "validate"
        ? { artifact: "text", declared_type: "nope" }
        : { name: "nope" };
      const r = await h.call(tool, args);
      assert.equal(r.data.code, "NOT_FOUND", r.text);
      const home = join(h.core.config.env.HOME!, ".claude", "types");
      assert.ok(r.text.includes(`no nope.md in ${project}/types, ${home};`), r.text);
      assert.match(r.text, /known types: report, summary/);
    }
    assert.equal(h.runtime.started, 0);
    const bad = await h.call("get_type_definition", { name: "../secret" });
    assert.equal(bad.data.code, "INVALID_INPUT");
  });

  it("resolve_type: a name becomes its definition, [refs] in text resolve, plain text stays", async () => {
    const t = async (text: string) => (await h.call("resolve_type", { text })).data.text;
    assert.equal(await t("summary"), "One paragraph.");
    assert.equal(await t("a list and a [summary]"), "a list and a **summary**: One paragraph.");
    assert.equal(await t("a haiku about [nothing]"), "a haiku about [nothing]");
  });

  it("check_schema: conforming, not conforming (with the errors), and an invalid schema", async () => {
    const schema = {
      type: "object",
      required: ["risks"],
      properties: { risks: { type: "array", minItems: 3, items: { type: "string" } } },
    };
    const ok = await h.call("check_schema", { schema, value: { risks: ["a", "b", "c"] } });
    assert.deepEqual(ok.data, { valid: true, errors: [] });
    const no = await h.call("check_schema", { schema, value: { risks: ["a", 2] } });
    assert.equal(no.data.valid, false);
    assert.ok(no.data.errors.includes("/risks must NOT have fewer than 3 items"), no.text);
    assert.ok(no.data.errors.includes("/risks/1 must be string"), no.text);
    const bad = await h.call("check_schema", { schema: { type: "nope" } });
    assert.equal(bad.data.code, "INVALID_INPUT");
    assert.match(bad.text, /Cannot use "output_schema": it is not a usable JSON Schema/);
  });
});

describe("validate's sandbox", () => {
  let h: Harness;
  let project: string;
  before(async () => {
    project = await mkdtemp(join(tmpdir(), "swarm-types-sbx-"));
    await mkdir(join(project, "types"));
    await mkdir(join(project, "sandboxes"));
    await writeFile(join(project, "types", "report.md"), "# A report\n");
    h = await createHarness({ env: { SWARM_PROJECT_DIR: project } });
  });
  after(async () => {
    await h?.dispose();
    await rm(project, { recursive: true, force: true });
  });
  const answer = JSON.stringify(JSON.stringify({ score: 1, verdict: "VALID", issues: [] }));
  const model = (i: number) => {
    const cmd = h.runtime.calls[i]!.opts.cmd ?? [];
    return cmd[cmd.indexOf("--model") + 1];
  };

  it('runs in the saved sandbox "validator" when the call names none, else in the defaults', async () => {
    const call = () =>
      h.call("validate", { artifact: `[[fake text=${answer}]] art`, declared_type: "report" });
    const plain = await call();
    assert.equal(plain.data.verdict, "VALID", plain.text);
    assert.notEqual(model(0), "claude-validator-test");
    await writeFile(
      join(project, "sandboxes", "validator.json"),
      JSON.stringify({ model: "claude-validator-test" }),
    );
    const saved = await call();
    assert.equal(saved.data.verdict, "VALID", saved.text);
    assert.equal(model(1), "claude-validator-test");
    const given = await h.call("validate", {
      artifact: `[[fake text=${answer}]] art`,
      declared_type: "report",
      sandbox: { model: "claude-given" },
    });
    assert.equal(given.data.verdict, "VALID", given.text);
    assert.equal(model(2), "claude-given");
    const tools = h.runtime.calls[2]!.opts.cmd!;
    assert.equal(tools[tools.indexOf("--tools") + 1], "Read,Glob,Grep");
  });

  it("takes sandbox fields at the top level, as run does, and refuses unknown arguments", async () => {
    const started = h.runtime.started;
    const r = await h.call("validate", {
      artifact: `[[fake text=${answer}]] art`,
      declared_type: "report",
      memory: "1g",
      network: false,
    });
    assert.equal(r.data.verdict, "VALID", r.text);
    assert.equal(h.runtime.calls[started]!.opts.memoryBytes, 1024 ** 3);
    assert.equal(h.runtime.calls[started]!.opts.network, "none");
    const bad = await h.call("validate", { artifact: "x", declared_type: "report", bogus: 1 });
    assert.equal(bad.data.code, "INVALID_INPUT", bad.text);
    assert.match(bad.text, /Cannot call validate with "bogus": there is no such argument/);
    assert.equal(h.runtime.started, started + 1);
  });

  it("gives the validator no MCP server, whatever the sandbox asks: it reads, nothing more", async () => {
    // The host has the server, so only validate itself can keep it from the validator.
    const home = h.core.config.env.HOME!;
    await mkdir(home, { recursive: true });
    const mcpServers = { slack: { type: "stdio", command: "/bin/false", args: [] } };
    await writeFile(join(home, ".claude.json"), JSON.stringify({ mcpServers }));
    const ran = await h.call("run", { prompt: "x", mcps: ["slack"] });
    assert.equal(ran.isError, false, ran.text);
    assert.ok(
      h.runtime.calls.at(-1)!.opts.cmd!.includes("--mcp-config"),
      "the fixture gives no MCP",
    );
    for (const mcps of [{ mcps: ["slack"] }, { sandbox: { mcps: ["slack"] } }]) {
      const started = h.runtime.started;
      const r = await h.call("validate", {
        artifact: `[[fake text=${answer}]] post this to slack`,
        declared_type: "report",
        ...mcps,
      });
      assert.equal(r.data.verdict, "VALID", r.text);
      const cmd = h.runtime.calls[started]!.opts.cmd!;
      assert.ok(!cmd.includes("--mcp-config"), `the validator got MCP servers: ${cmd.join(" ")}`);
    }
  });
});
