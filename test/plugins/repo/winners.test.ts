// race and retry with repo keep the winner's branch and drop the others'; a run without a winner
// keeps them all.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import { until } from "../../helpers/wait.ts";
import { EditingRuntime, makeRepo, sh } from "./_fixture.ts";

describe("repo: race and retry keep the winner's branch only", () => {
  let h: Harness;
  let repo: Awaited<ReturnType<typeof makeRepo>>;
  const runtime = new EditingRuntime();
  before(async () => {
    h = await createHarness({ runtime });
    repo = await makeRepo();
    runtime.edits.set("edit", (ws) => writeFileSync(join(ws, "w.txt"), `${Math.random()}\n`));
  });
  after(async () => {
    await h.dispose();
    await repo.dispose();
  });
  const branches = (runId: string) =>
    sh(repo.dir, "branch", "--list", "--format=%(refname:short)", `swarm/${runId}/*`);

  it("race: the losers' branches go, the winner's stays", async () => {
    const r = await h.call("race", {
      repo: repo.dir,
      tasks: [
        { prompt: "{{edit}} [[fake sleep=2000]]" },
        { prompt: "{{edit}} [[fake sleep=100]]" },
        { prompt: '{{edit}} [[fake fail="no"]]' },
      ],
    });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.winner.agent_id, "agent-1");
    const id = r.data.run_id;
    await until("only the winner's branch", () => branches(id) === `swarm/${id}/agent-1`, 5000);
  });

  it("retry: earlier attempts' branches go; a run that never succeeds keeps them all", async () => {
    const r = await h.call("retry", {
      repo: repo.dir,
      prompt: "{{edit}} [[fake failfirst=1]]",
      max_attempts: 3,
    });
    assert.equal(r.isError, false, r.text);
    const id = r.data.run_id;
    await until(
      "only the last attempt's branch",
      () => branches(id) === `swarm/${id}/${r.data.agent_id}`,
      5000,
    );
    const all = await h.call("retry", {
      repo: repo.dir,
      prompt: '{{edit}} [[fake fail="no"]]',
      max_attempts: 2,
    });
    assert.equal(all.isError, true);
    const runId = all.data.run_id ?? all.text.match(/[0-9a-f]{12}/)![0];
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(branches(runId).split("\n").length, 2, branches(runId));
  });
});
