// A definition is checked whole before anything starts: every refusal names the step and the
// field, says what to do, and starts no agent. Named definitions come from the search paths,
// read without following links.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import { runPipeline } from "./_helpers.ts";

describe("pipeline definitions", () => {
  let h: Harness;
  let project: string;
  before(async () => {
    const base = await createHarness();
    project = join(base.dataDir, "project");
    await base.dispose({ keep: true });
    h = await createHarness({ dataDir: base.dataDir, env: { SWARM_PROJECT_DIR: project } });
    await mkdir(join(project, "pipelines"), { recursive: true });
  });
  after(async () => {
    await h.dispose();
    const { rm } = await import("node:fs/promises");
    await rm(h.dataDir, { recursive: true, force: true });
  });

  const refused = async (definition: unknown, code: string, pattern: RegExp, extra = {}) => {
    const started = h.runtime.started;
    const r = await h.call("pipeline", { definition, ...extra });
    assert.equal(r.isError, true, `expected a refusal, got ${r.text.slice(0, 300)}`);
    assert.equal(r.data.code, code, r.text);
    assert.match(r.text, pattern);
    assert.equal(h.runtime.started, started, "an agent started before the refusal");
  };
  const step = (o: Record<string, unknown> = {}) => ({ prompt: "p", ...o });

  it("refuses unknown keys, unknown targets and bad values, naming the step and the field", async () => {
    const cases: [unknown, RegExp][] = [
      [
        { steps: [step()], governors: {} },
        /Cannot run pipeline "pipeline": unknown key "governors"; the keys are name, sandbox/,
      ],
      [{ steps: [step({ on_success: "x" })] }, /steps\[0\] has unknown key "on_success"/],
      [
        { steps: [step({ on_fail: "broken" })] },
        /steps\[0\] has on_fail "broken", which is no step id; use one of step-0 or "\$stop"/,
      ],
      [{ steps: [step({ id: "a", next: "nope" }), step()] }, /steps\[0\] \("a"\) has next "nope"/],
      [
        { steps: [step({ retry_if: { ghost: "X" } })] },
        /has a retry_if target "ghost", which is no step id/,
      ],
      [{ steps: [step({ retry_if: { "step-0": "" } })] }, /has retry_if keyword "" for "step-0"/],
      [{ steps: [step({ retry_if: ["x"] })] }, /has a retry_if that is not/],
      [
        { steps: [step({ condition: "prev.ok" })] },
        /has condition "prev.ok"; the only condition is "prev.error"/,
      ],
      [{ steps: [step({ id: "a" }), step({ id: "a" })] }, /steps\[1\] \("a"\) repeats the id "a"/],
      [{ steps: [step({ id: "a.b" })] }, /has an id that is not letters/],
      [{ steps: [step({ id: "../x" })] }, /has an id that is not letters/],
      [{ steps: [{ id: "a" }] }, /steps\[0\] \("a"\) has no "prompt"/],
      [
        { steps: [step({ max_retries: 1.5 })] },
        /has max_retries "1.5"; give a whole number from 0 to 20/,
      ],
      [{ steps: [] }, /"steps" must be a list of 1 to 50 steps/],
      [{ steps: [step()], budget: -1 }, /"budget" is "-1"; give USD/],
      [{ steps: [step()], deadline_seconds: 0 }, /"deadline_seconds" is "0"/],
      [
        { steps: [step()], classification: "secret" },
        /"classification" is "secret"; use one of public, internal/,
      ],
      [{ steps: [step({ timeout: "soon" })] }, /steps\[0\]: Cannot use sandbox field "timeout"/],
      [
        { steps: [step({ mounts: [{ host_path: project, container_path: "/shared" }] })] },
        /mounts something at \/shared/,
      ],
    ];
    for (const [definition, pattern] of cases) await refused(definition, "INVALID_INPUT", pattern);
    await refused('{"steps": [', "INVALID_INPUT", /the definition text is not valid JSON/);
    await refused(
      { steps: [step({ sandbox: "no-such-spec" })] },
      "NOT_FOUND",
      /steps\[0\]: Cannot find sandbox "no-such-spec"/,
    );
  });

  it("loads a named definition from $SWARM_PROJECT_DIR/pipelines and refuses hostile names", async () => {
    await writeFile(
      join(project, "pipelines", "review.json"),
      JSON.stringify({ steps: [{ id: "only", prompt: 'saved [[fake text="FROM FILE"]]' }] }),
    );
    const d = await runPipeline(h, "review");
    assert.equal(d.name, "review");
    assert.equal(d.status, "done");
    assert.equal(d.trace[0].step_id, "only");
    for (
      const name of ["../review", "a/b", ".hidden", "x".repeat(65), "review.json/..", "..", "~/x"]
    ) {
      await refused(name, "INVALID_INPUT", /Cannot find pipeline .*a name is letters, digits/);
    }
    await refused(
      "absent",
      "NOT_FOUND",
      /Cannot find pipeline "absent": no absent.json in .*project\/pipelines/,
    );
    await symlink(
      join(project, "pipelines", "review.json"),
      join(project, "pipelines", "linked.json"),
    );
    await refused(
      "linked",
      "FORBIDDEN",
      /Cannot load pipeline "linked" from .*: it is a symbolic link/,
    );
    await writeFile(
      join(project, "pipelines", "bad.json"),
      '{"steps": [{"prompt": "x", "nxt": "y"}]}',
    );
    await refused(
      "bad",
      "INVALID_INPUT",
      /Cannot run pipeline "bad": steps\[0\] has unknown key "nxt"/,
    );
  });

  it("refuses bad resume values before anything starts", async () => {
    const def = { steps: [step({ id: "a" }), step({ id: "b" })] };
    await refused(def, "INVALID_INPUT", /Cannot resume "zz": give "<run_id>"/, { resume: "zz" });
    await refused(def, "INVALID_INPUT", /Cannot resume "..\/..\/etc"/, { resume: "../../etc" });
    await refused(def, "INVALID_INPUT", /Cannot resume/, { resume: "aaaaaaaaaaaa/../x" });
    await refused(def, "NOT_FOUND", /Cannot find run "aaaaaaaaaaaa"/, { resume: "aaaaaaaaaaaa" });
    await refused(def, "NOT_FOUND", /the definition has no step "c"; its steps are a, b/, {
      resume: "aaaaaaaaaaaa/c",
    });
    const other = await h.call("run", { prompt: "not a pipeline" });
    await refused(def, "NOT_FOUND", /that run has no pipeline journal/, {
      resume: other.data.run_id,
    });
  });
});
