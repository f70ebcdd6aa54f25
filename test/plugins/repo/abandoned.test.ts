// An agent that got its checkout but never ran (a later plugin's prepare failed) leaves nothing:
// no branch, no checkout in its workspace.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { PluginFactory } from "../../../src/core/types.ts";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import { until } from "../../helpers/wait.ts";
import { makeRepo, sh } from "./_fixture.ts";

const breaks: PluginFactory = () => ({
  name: "breaks-prepare",
  hooks: {
    prepare(job) {
      if (job.prompt.includes("{{break}}")) throw new Error("prepare broke");
    },
  },
});

describe("repo: an agent that never ran", () => {
  let h: Harness;
  let repo: Awaited<ReturnType<typeof makeRepo>>;
  before(async () => {
    h = await createHarness({ plugins: { "breaks-prepare": breaks } });
    repo = await makeRepo();
  });
  after(async () => {
    await h.dispose();
    await repo.dispose();
  });

  it("keeps neither its branch nor its checkout", async () => {
    const r = await h.call("run", { prompt: "{{break}}", repo: repo.dir });
    assert.equal(r.data.status, "failed", r.text);
    assert.match(r.data.error, /prepare broke/);
    assert.equal(h.runtime.started, 0);
    const ws = join(r.data.output_dir, "workspace");
    // release() removes the workspace and makes it again, empty: absent for a moment in between.
    const empty = () => {
      try {
        return readdirSync(ws).length === 0;
      } catch {
        return false;
      }
    };
    await until("the checkout removed", empty, 5000);
    await until(
      "the branch removed",
      () => sh(repo.dir, "branch", "--list", "swarm/*") === "",
      5000,
    );
    // The next agent still gets its own.
    const ok = await h.call("run", { prompt: "fine", repo: repo.dir });
    assert.equal(ok.data.status, "ok", ok.text);
    assert.equal(
      sh(repo.dir, "branch", "--list", "swarm/*").trim(),
      `swarm/${ok.data.run_id}/agent-0`,
    );
  });
});
