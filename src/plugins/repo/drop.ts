// drop: delete agents' branches (merged or not). A branch someone checked out is refused, and a
// branch that moved since its agent ended is deleted only as it was stamped (compare-and-delete).
import type { Core, Tool } from "../../core/types.ts";
import { git } from "./git.ts";
import { checkedOut, stampedRefs } from "./stamped.ts";

export function dropTool(core: Core, refList: () => unknown): Tool {
  const { v } = core;
  return {
    name: "drop",
    description:
      "Delete the repo branches of refs (swarm/<run_id>/<agent_id>), merged or not. Returns {dropped, missing}; the refs themselves stay.",
    annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false },
    input: v.object({ refs: refList() as ReturnType<typeof v.array> }),
    async run(args) {
      const { repo, list } = await stampedRefs(core, "drop", (args as { refs: unknown[] }).refs);
      const busy = await checkedOut(repo);
      const used = list.find((s) => busy.has(s.branch));
      if (used) {
        core.fail(
          "CONFLICT",
          `Cannot drop ref "${used.ref}": its branch ${used.branch} is checked out in ${
            busy.get(used.branch)
          }; switch that work tree to another branch first`,
        );
      }
      const dropped: string[] = [];
      const missing: string[] = [];
      for (const s of list) {
        const name = `refs/heads/${s.branch}`;
        const at = await git(["rev-parse", "--verify", "--quiet", name], {
          gitDir: repo.gitDir,
          ok: [1],
        });
        if (!at.stdout.trim()) {
          missing.push(s.ref);
          continue;
        }
        await git(["update-ref", "-d", name, at.stdout.trim()], { gitDir: repo.gitDir });
        dropped.push(s.ref);
      }
      return { dropped, missing };
    },
  };
}
