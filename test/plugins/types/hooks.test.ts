// The types plugin's spawn hooks on a real core (fake runtime): input_type/output_type reach the
// agent's prompt once (resolved when registered), an unusable type or schema refuses the agent before
// it starts, and structured output is held against output_schema after the run.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";

const SCHEMA = {
  type: "object",
  properties: { risks: { type: "array", items: { type: "string" } } },
  required: ["risks"],
};
const json = (x: unknown) => JSON.stringify(JSON.stringify(x));

describe("types plugin spawn hooks", () => {
  let h: Harness;
  let bare: Harness;
  let project: string;
  const stdin = (i: number) => h.runtime.calls[i]!.stdin;
  before(async () => {
    project = await mkdtemp(join(tmpdir(), "swarm-types-hooks-"));
    await mkdir(join(project, "types"));
    await writeFile(join(project, "types", "report.md"), "# A report\nIt has a [summary].\n");
    await writeFile(join(project, "types", "summary.md"), "One paragraph.\n");
    await writeFile(join(project, "secret.md"), "host secret\n");
    await symlink(join(project, "secret.md"), join(project, "types", "linked.md"));
    h = await createHarness({ env: { SWARM_PROJECT_DIR: project } });
    bare = await createHarness({
      env: { SWARM_PROJECT_DIR: project },
      builtins: ["claude-code", "command", "observe", "combinators", "docker"],
    });
  });
  after(async () => {
    await h?.dispose();
    await bare?.dispose();
    await rm(project, { recursive: true, force: true });
  });

  it("a registered output_type is resolved into the prompt once; plain input_type stays", async () => {
    const r = await h.call("run", {
      prompt: "write it",
      output_type: "report",
      input_type: "a list",
    });
    assert.equal(r.isError, false, r.text);
    const expected =
      "# Input Type\nYour input is: a list\n\n# Output Type\nYou must produce: # A report\nIt has a **summary**: One paragraph..\n\nwrite it";
    assert.equal(stdin(0), expected);
    const file = join(h.dataDir, "data", r.data.run_id, r.data.agent_id, "prompt.txt");
    assert.equal(await readFile(file, "utf8"), expected);
  });

  it("the same blocks reach agents of every combinator, e.g. par", async () => {
    const before = h.runtime.started;
    const r = await h.call("par", { tasks: [{ prompt: "a" }], output_type: "[summary] twice" });
    assert.equal(r.isError, false, r.text);
    assert.equal(
      stdin(before),
      "# Output Type\nYou must produce: **summary**: One paragraph. twice\n\na",
    );
  });

  it("without the types plugin the combinators still put the text in, as given", async () => {
    const r = await bare.call("run", { prompt: "go", output_type: "report" });
    assert.equal(r.isError, false, r.text);
    assert.equal(bare.runtime.calls[0]!.stdin, "# Output Type\nYou must produce: report\n\ngo");
  });

  it("an unreadable type or an invalid output_schema refuses the agent before it exists", async () => {
    const before = h.runtime.started;
    const linked = await h.call("run", { prompt: "x", output_type: "linked" });
    assert.equal(linked.data.code, "FORBIDDEN", linked.text);
    assert.doesNotMatch(linked.text, /host secret/);
    const bad = await h.call("run", { prompt: "x", output_schema: { type: "no-such-type" } });
    assert.equal(bad.data.code, "INVALID_INPUT", bad.text);
    assert.match(bad.text, /Cannot use "output_schema": it is not a usable JSON Schema/);
    assert.equal(h.runtime.started, before);
    for (const r of [linked, bad]) assert.equal(r.data.data?.ref, undefined, "no agent dir");
  });

  it("structured output that breaks output_schema fails the ref with ajv's errors", async () => {
    const ok = await h.call("run", {
      prompt: `[[fake json=${json({ risks: ["rain"] })}]] go`,
      output_schema: SCHEMA,
    });
    assert.equal(ok.isError, false, ok.text);
    assert.equal(ok.data.status, "ok", ok.data.error);
    assert.deepEqual(ok.data.structured_output, { risks: ["rain"] });
    const wrong = await h.call("run", {
      prompt: `[[fake json=${json({ risks: "rain" })}]] go`,
      output_schema: SCHEMA,
    });
    assert.equal(wrong.data.status, "failed");
    assert.match(
      wrong.data.error,
      /^Cannot accept the structured output of "[0-9a-f]{12}\/agent-0": it does not match output_schema \(\/risks must be array\)/,
    );
    assert.ok(existsSync(join(h.dataDir, "data", wrong.data.run_id, "agent-0", "result.json")));
    // An agent's huge structured output stays in its record, out of every listing of its ref.
    const big = await h.call("run", {
      prompt: `[[fake json=${json({ risks: ["x".repeat(70_000)] })}]] go`,
      output_schema: SCHEMA,
    });
    assert.equal(big.data.status, "ok", big.data.error);
    assert.equal(big.data.structured_output, undefined);
  });
});
