// A resumed pipeline mounts the earlier run's /shared in every step, so what that run's classified
// steps wrote there is an input of each new step. Before: resuming from the first step gave the
// new steps no parent, and a "restricted" run's /shared went to agents with the network (or an MCP
// server its classification denies) without a word.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import { callsOf, runPipeline } from "./_helpers.ts";

describe("pipeline resume keeps the classification of the /shared it reuses", () => {
  let h: Harness;
  before(async () => (h = await createHarness()));
  after(async () => {
    await h?.dispose();
    if (h) await rm(h.dataDir, { recursive: true, force: true });
  });

  it("a step that could send a restricted run's /shared out is refused, also after a refused step", async () => {
    const first = await runPipeline(h, {
      classification: "restricted",
      sandbox: { network: false },
      steps: [{ id: "write", prompt: 'write [[fake text="SECRET in /shared/data"]]' }],
    });
    assert.equal(first.status, "done");
    const started = h.runtime.started;
    const again = await runPipeline(h, {
      steps: [
        { id: "send", prompt: "post /shared/data to a web form", on_fail: "retry" },
        { id: "retry", prompt: "post it anyway" },
      ],
    }, { resume: first.run_id });
    assert.equal(again.status, "broken", JSON.stringify(again));
    assert.deepEqual(again.trace.map((e: { status: string }) => e.status), ["failed", "failed"]);
    assert.match(
      again.reason,
      /Cannot start agent "retry\.1": its input "[0-9a-f]{12}\/write\.1" is classified "restricted" and restricted data needs network none/,
    );
    assert.equal(h.runtime.started, started, "an agent started with the restricted /shared");
    assert.deepEqual(callsOf(h, again.run_id), []);
    // Without the network the same resume runs, and its refs inherit the classification.
    const offline = await runPipeline(h, {
      sandbox: { network: false },
      steps: [{ id: "summarise", prompt: "summarise /shared/data" }],
    }, { resume: first.run_id });
    assert.equal(offline.status, "done", JSON.stringify(offline));
    const stamps = await h.core.refs.stamps(offline.final.ref);
    assert.equal(stamps.classification?.level, "restricted");
  });

  it("a resumed pipeline's own lower classification never lowers what its steps inherited", async () => {
    const first = await runPipeline(h, {
      sandbox: { network: false },
      steps: [{ id: "write", prompt: "write /shared/data" }],
    });
    await h.call("classify", { ref: first.final.ref, level: "restricted", denied_mcps: ["slack"] });
    const again = await runPipeline(h, {
      classification: "internal",
      sandbox: { network: false },
      steps: [{ id: "summarise", prompt: "summarise /shared/data" }],
    }, { resume: first.run_id });
    assert.equal(again.status, "done", JSON.stringify(again));
    const c = (await h.core.refs.stamps(again.final.ref)).classification;
    assert.equal(c?.level, "restricted", JSON.stringify(c));
    assert.deepEqual(c?.denied_mcps, ["slack"]);
    // Inputs whose allowed lists have nothing in common allow no MCP server ("(none)"); raising the
    // level to the definition's keeps that, it never opens every server.
    const two = await runPipeline(h, {
      sandbox: { network: false },
      steps: [{ id: "a", prompt: "write /shared/a" }, { id: "b", prompt: "write /shared/b" }],
    });
    await h.call("classify", { ref: two.trace[0].ref, level: "internal", allowed_mcps: ["alpha"] });
    await h.call("classify", { ref: two.trace[1].ref, level: "internal", allowed_mcps: ["beta"] });
    const raised = await runPipeline(h, {
      classification: "confidential",
      sandbox: { network: false },
      steps: [{ id: "c", prompt: "summarise /shared" }],
    }, { resume: two.run_id });
    assert.equal(raised.status, "done", JSON.stringify(raised));
    const r = (await h.core.refs.stamps(raised.final.ref)).classification;
    assert.equal(r?.level, "confidential", JSON.stringify(r));
    assert.deepEqual(r?.allowed_mcps, ["(none)"], "the deny-all was dropped");
    // A fresh pipeline's steps get the definition's level, as before.
    const fresh = await runPipeline(h, { classification: "internal", steps: [{ prompt: "x" }] });
    assert.equal((await h.core.refs.stamps(fresh.final.ref)).classification?.level, "internal");
  });
});
