// wrap_project: register a project dir's types/, sandboxes/ and pipelines/ ahead of
// $SWARM_PROJECT_DIR and ~/.claude, for every plugin that looks them up (search paths are read at
// call time), and keep the registration across restarts.
import { lstat } from "node:fs/promises";
import { join } from "node:path";
import type { Core, Tool } from "../../core/types.ts";
import { judgeHostPath } from "./host-path.ts";
import type { Projects } from "./projects.ts";

export const KINDS = { types: ".md", sandboxes: ".json", pipelines: ".json" } as const;
const MAX_COUNTED = 10_000;

export function wrapProject(core: Core, registered: Projects): Tool {
  const { v } = core;
  return {
    name: "wrap_project",
    description:
      "Register a project dir: its types/, sandboxes/ and pipelines/ are searched first (before $SWARM_PROJECT_DIR and ~/.claude), also after a restart. Returns {project, registered: {types, sandboxes, pipelines: {path, count}}}.",
    annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: false },
    input: v.object({
      project_dir: v.pipe(v.string(), v.description("Absolute path (or ~/…) of the project")),
    }),
    async run({ project_dir }) {
      const action = "register the project";
      const { real, st } = await judgeHostPath(core, action, project_dir);
      if (!st.isDirectory()) {
        core.fail("INVALID_INPUT", `Cannot ${action} "${real}": it is not a directory`);
      }
      const out: Record<string, { path: string; count: number }> = {};
      let found = false;
      for (const [kind, ext] of Object.entries(KINDS)) {
        const path = join(real, kind);
        const sub = await lstat(path).catch(() => null);
        if (sub && !sub.isDirectory()) {
          // A link here would be followed by every later lookup: the project must hold real dirs.
          core.fail(
            "FORBIDDEN",
            `Cannot ${action} "${real}": ${kind}/ is ${
              sub.isSymbolicLink() ? "a symbolic link" : "not a directory"
            }; make it a real directory`,
          );
        }
        found ||= sub !== null;
        const listed = sub
          ? await core.fs.listNoFollow(path, { maxEntries: MAX_COUNTED, maxDepth: 1 })
          : { entries: [] };
        out[kind] = { path, count: listed.entries.filter((e) => e.endsWith(ext)).length };
      }
      if (!found) {
        core.fail(
          "NOT_FOUND",
          `Cannot ${action} "${real}": it has none of types/, sandboxes/, pipelines/; create one of them first`,
        );
      }
      await registered.add(real);
      return { project: real, registered: out };
    },
  };
}
