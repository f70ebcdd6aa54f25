// Resume (both forms, also after a restart), the result kept with the run, and cancel mid-step.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import { within } from "../../helpers/wait.ts";
import { callsOf, type Data, prompt, runPipeline, steps } from "./_helpers.ts";

const sharedBind = (h: Harness, runId: string) =>
  callsOf(h, runId).map((c) => c.opts.binds.find((b) => b.container === "/shared")?.host);

describe("pipeline resume and cancel", () => {
  let dir: string;
  let h: Harness;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "swarm-test-"));
    h = await createHarness({ dataDir: dir });
  });
  after(async () => {
    await h.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  const broken = {
    steps: [
      { id: "write", prompt: 'write [[fake text="WROTE /shared/data.json"]]' },
      { id: "check", prompt: 'check [[fake fail="data.json is wrong"]]' },
      { id: "report", prompt: "report" },
    ],
  };
  const fixed = {
    steps: [broken.steps[0], { id: "check", prompt: "check again" }, broken.steps[2]],
  };

  it("resumes at a step with the earlier trace and context, reusing /shared, also after a restart", async () => {
    const first = await runPipeline(h, broken);
    assert.equal(first.status, "broken");
    assert.equal(steps(first), "write check");
    // A restarted server: the result comes back from the run's record, the journal from disk.
    await h.dispose({ keep: true });
    h = await createHarness({ dataDir: dir });
    const kept = await h.call("wait", { run_id: first.run_id, wait_s: 0 });
    assert.equal(kept.data.status, "broken");
    assert.deepEqual(kept.data.trace, first.trace);

    const d = await runPipeline(h, fixed, { resume: `${first.run_id}/check` });
    assert.equal(d.status, "done");
    assert.equal(d.resumed_from, `${first.run_id}/check`);
    assert.equal(d.restored_steps, 1);
    assert.equal(steps(d), "write check report");
    assert.equal(d.trace[0].ref, `${first.run_id}/write.1`);
    assert.equal(d.steps_executed, 2);
    const check = d.trace[1];
    assert.equal(check.ref, `${d.run_id}/check.1`);
    assert.equal(
      await prompt(h, check.ref),
      "check again\n\n# Context from previous step (write):\nWROTE /shared/data.json",
    );
    const rec = await h.core.refs.get(check.ref);
    assert.deepEqual(rec.parents, [`${first.run_id}/write.1`]);
    const host = join(h.core.refs.runDir(first.run_id), "shared");
    assert.deepEqual(sharedBind(h, d.run_id), [host, host]);

    const again = await runPipeline(h, fixed, { resume: first.run_id });
    assert.equal(again.status, "done");
    assert.equal(steps(again), "write check report");
    assert.equal(again.restored_steps, 0);
    assert.deepEqual(sharedBind(h, again.run_id), [host, host, host]);
    // A resumed run can be resumed in turn: its journal names the same /shared.
    const third = await runPipeline(h, fixed, { resume: `${again.run_id}/report` });
    assert.equal(steps(third), "write check report");
    assert.deepEqual(sharedBind(h, third.run_id), [host]);
  });

  it("cancel kills the running step's container and the result says cancelled", async () => {
    const started = await h.call("pipeline", {
      definition: { steps: [{ id: "long", prompt: "long [[fake hang]]" }, { prompt: "never" }] },
      wait_s: 0,
    });
    assert.equal(started.data.status, "running");
    const runId = started.data.run_id;
    await h.runtime.until(() => callsOf(h, runId).length === 1, 5000);
    // The journal is there from the start: a server dying in the first step leaves it resumable.
    const journal = JSON.parse(
      await readFile(join(h.core.refs.runDir(runId), "pipeline.json"), "utf8"),
    );
    assert.deepEqual([journal.result.status, journal.result.trace, journal.shared.dir], [
      "running",
      [],
      "shared",
    ]);
    const c = await h.call("cancel", { run_id: runId });
    assert.equal(c.data.status, "cancelled", c.text);
    const r = await within(h.call("wait", { run_id: runId, wait_s: 5 }), 10000, "wait");
    const d: Data = r.data;
    assert.equal(d.status, "cancelled");
    assert.equal(steps(d), "long");
    assert.equal(d.trace[0].status, "cancelled");
    assert.equal(d.reason, 'Cancelled during step "long"');
    assert.equal(callsOf(h, runId).length, 1);
    assert.equal(callsOf(h, runId)[0]!.exit?.cancelled, true);
    const resumed = await h.call("pipeline", {
      definition: { steps: [{ id: "long", prompt: "short now" }] },
      resume: runId,
    });
    assert.equal(resumed.data.status, "done", resumed.text);
  });

  it("refuses to resume a run that still runs", async () => {
    const started = await h.call("pipeline", {
      definition: { steps: [{ prompt: "hang [[fake hang]]" }] },
      wait_s: 0,
    });
    const runId = started.data.run_id;
    try {
      const r = await h.call("pipeline", {
        definition: { steps: [{ prompt: "x" }] },
        resume: runId,
      });
      assert.equal(r.isError, true);
      assert.match(
        r.text,
        /Cannot resume ".*": that run is still running; wait for it or cancel it first/,
      );
    } finally {
      await h.call("cancel", { run_id: runId });
    }
  });

  it("resumes a run whose server died mid-run, from its journal", async () => {
    const first = await runPipeline(h, broken);
    const file = join(h.core.refs.runDir(first.run_id), "run.json");
    const rec = JSON.parse(await readFile(file, "utf8"));
    // As a server killed mid-run leaves it: still "running", owned by a process that is gone.
    delete rec.result;
    Object.assign(rec, {
      status: "running",
      owner: { ...rec.owner, instance: "gone", pid: 99999999 },
    });
    await writeFile(file, JSON.stringify(rec));
    const d = await runPipeline(h, fixed, { resume: `${first.run_id}/check` });
    assert.equal(d.status, "done");
    assert.equal(steps(d), "write check report");
    assert.equal((await h.call("status", { run_id: first.run_id })).data.status, "failed");
  });

  it("refuses a journal that is a link, or names a /shared outside the data dir", async () => {
    const first = await runPipeline(h, broken);
    const file = join(h.core.refs.runDir(first.run_id), "pipeline.json");
    const saved = await readFile(file, "utf8");
    const resume = () => h.call("pipeline", { definition: fixed, resume: first.run_id });
    const started = h.runtime.started;
    const j = JSON.parse(saved);
    for (const dir of ["../../../etc", "..", "a/b"]) {
      await writeFile(file, JSON.stringify({ ...j, shared: { ...j.shared, dir } }));
      const r = await resume();
      assert.match(
        r.text,
        /Cannot resume ".*": its journal .* is not a pipeline journal swarm-mcp wrote/,
      );
    }
    await writeFile(
      file,
      JSON.stringify({ ...j, result: { ...j.result, trace: [{ step_id: 1 }] } }),
    );
    assert.match((await resume()).text, /is not a pipeline journal swarm-mcp wrote/);
    await writeFile(join(dir, "elsewhere.json"), saved);
    await rm(file);
    await symlink(join(dir, "elsewhere.json"), file);
    const linked = await resume();
    assert.equal(linked.data.code, "CONFLICT");
    assert.match(linked.text, /its journal .* is a symbolic link; start the pipeline again/);
    assert.equal(h.runtime.started, started);
  });
});
