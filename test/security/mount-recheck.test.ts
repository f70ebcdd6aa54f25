// A mount is judged again when the agent's slot comes up: a directory swapped for a link to a
// system tree while the agent waited in the queue is refused, and no container starts for it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rename, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHarness } from "../helpers/harness.ts";

describe("mount policy at start time", () => {
  it("refuses a mount swapped for a link to /etc while the agent waited for its slot", async () => {
    const h = await createHarness({ env: { SWARM_MAX_CONCURRENT: "1" } });
    const root = await mkdtemp(join(tmpdir(), "swap-"));
    try {
      const project = join(root, "project");
      await mkdir(project);
      const tasks = [
        { prompt: "hold the only slot [[fake hang]]", agent: "command", command: ["true"] },
        {
          prompt: "mounts the project",
          agent: "command",
          command: ["true"],
          mounts: [{ host_path: project, container_path: "/src" }],
        },
      ];
      const call = h.call("par", { tasks, max_concurrency: 2 });
      await h.runtime.until((rt) => rt.running === 1);
      await rename(project, join(root, "moved"));
      await symlink("/etc", project);
      // Only now does the slot come free: the swap surely happened while the second agent waited.
      const holder = h.runtime.calls[0]!;
      await h.core.runs.cancelAgent(`${holder.run}/${holder.agent}`);
      const r = await call;
      assert.equal(r.isError, false, r.text);
      assert.equal(r.data.results[0].status, "cancelled");
      assert.equal(r.data.results[1].status, "failed");
      assert.match(r.data.results[1].error, /system directory|\/etc/);
      assert.equal(h.runtime.started, 1, "no container may start for the swapped mount");
    } finally {
      await h.dispose();
      await rm(root, { recursive: true, force: true });
    }
  });
});
