// An encrypted output handed on as the next agent's context: chain and pipeline refuse to start
// that agent with a sentence naming the ref and its key_id, rather than hand it ciphertext or a
// stand-in that leaves the agent working blind. Reached two ways: SWARM_ENCRYPT_ALL seals each
// step's output as it ends, and a pipeline resumed after the caller encrypted an earlier step.
// The other readers that would hand an encrypted output to an agent (map_reduce's reducer,
// validate's validator, reply's resumed session) refuse too, before any agent starts.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import { filesHolding } from "./scan.ts";

// The prompts spell it with a JSON escape, so only the agent's output holds these bytes.
const MARKER = "HERON-TULIP-5523";
const SPELLED = "HER\\u004fN-TULIP-5523";
const steps = [
  { id: "a", prompt: `one [[fake text="${SPELLED}"]]` },
  { id: "b", prompt: `two [[fake text="summary"]]` },
];

describe("encrypted output as the next agent's context", () => {
  let h: Harness;
  let all: Harness;
  before(async () => {
    h = await createHarness();
    all = await createHarness({ env: { SWARM_ENCRYPT_ALL: "1" } });
  });
  after(async () => {
    await h?.dispose();
    await all?.dispose();
  });

  it("SWARM_ENCRYPT_ALL: chain stops before its second stage starts", async () => {
    const started = all.runtime.started;
    const r = await all.call("chain", { stages: steps.map((s) => ({ prompt: s.prompt })) });
    assert.equal(r.isError, true, r.text);
    assert.equal(r.data.code, "CONFLICT", r.text);
    assert.match(
      r.text,
      /Cannot read the text of ref "[0-9a-f]{12}\/stage-0": its output is encrypted/,
    );
    assert.equal(all.runtime.started, started + 1, "the second stage started");
    assert.deepEqual(await filesHolding(all.dataDir, MARKER), []);
  });

  it("SWARM_ENCRYPT_ALL: a pipeline breaks before the step that would get the output", async () => {
    const started = all.runtime.started;
    const r = await all.call("pipeline", { definition: { steps } });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.status, "broken", r.text);
    assert.equal(all.runtime.started, started + 1, "step b started on an encrypted context");
    const ref = r.data.trace[0].ref;
    const keyId = (await all.core.refs.stamps(ref)).encryption?.key_id;
    assert.match(String(keyId), /^[0-9a-f]{32}$/);
    assert.equal(
      r.data.reason,
      `Step "b" cannot start: its context, the output of "${ref}", is encrypted (key_id ${keyId}), and an encrypted output never goes into another agent's prompt; decrypt it and pass what the step needs in its prompt or through /shared`,
    );
    assert.deepEqual(await filesHolding(all.dataDir, MARKER), []);
  });

  it("a pipeline resumed after its earlier step was encrypted refuses that step's output", async () => {
    const first = await h.call("pipeline", { definition: { steps } });
    assert.equal(first.data.status, "done", first.text);
    const ref = first.data.trace[0].ref;
    const e = await h.call("encrypt", { ref });
    assert.equal(e.isError, false, e.text);
    const started = h.runtime.started;
    const r = await h.call("pipeline", { definition: { steps }, resume: `${first.data.run_id}/b` });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.status, "broken", r.text);
    assert.match(
      r.data.reason,
      new RegExp(`the output of "${ref}", is encrypted \\(key_id ${e.data.key_id}\\)`),
    );
    assert.equal(h.runtime.started, started, "step b started on an encrypted context");
    assert.deepEqual(await filesHolding(h.dataDir, MARKER), []);
  });

  it("SWARM_ENCRYPT_ALL: map_reduce refuses its reducer the mapped outputs", async () => {
    const started = all.runtime.started;
    const r = await all.call("map_reduce", {
      prompt_template: "say {input}",
      inputs: [`x [[fake text="${SPELLED}"]]`],
      synthesis_prompt: "merge",
    });
    assert.equal(r.isError, true, r.text);
    assert.equal(r.data.code, "CONFLICT", r.text);
    assert.match(r.text, /its output is encrypted \(key_id [0-9a-f]{32}\)/);
    assert.equal(all.runtime.started, started + 1, "a reducer started on encrypted outputs");
  });

  it("validate refuses an encrypted artifact, and reply an encrypted ref, before any agent", async () => {
    const run = await h.call("run", { prompt: `x [[fake text="${SPELLED}"]]` });
    const ref = run.data.ref;
    const key = (await h.call("encrypt", { ref })).data.key_id;
    const started = h.runtime.started;
    const project = await mkdtemp(join(tmpdir(), "swarm-ctx-types-"));
    try {
      await mkdir(join(project, "types"));
      await writeFile(join(project, "types", "note.md"), "A note.\n");
      assert.equal((await h.call("wrap_project", { project_dir: project })).isError, false);
      const typed = await h.call("validate", { artifact: { ref }, declared_type: "note" });
      assert.equal(typed.data.code, "CONFLICT", typed.text);
      assert.match(typed.text, new RegExp(`its output is encrypted \\(key_id ${key}\\)`));
    } finally {
      await rm(project, { recursive: true, force: true });
    }
    const reply = await h.call("reply", { ref, prompt: "go on" });
    assert.equal(reply.data.code, "CONFLICT", reply.text);
    assert.match(reply.text, /Cannot reply to ref ".+": it is encrypted, with its session/);
    assert.equal(h.runtime.started, started, "an agent started on an encrypted ref");
  });
});
