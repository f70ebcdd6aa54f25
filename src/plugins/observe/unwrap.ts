// unwrap: put a ref's text in output.md (copied on disk, never through memory) and say where.
// core.refs.copyOut copies only a regular file, never a link, and refuses an encrypted ref.
import { lstat } from "node:fs/promises";
import { join } from "node:path";
import type { Core, Tool } from "../../core/types.ts";

const MAX_UNWRAP = 4 * 2 ** 30;

export function unwrap(core: Core): Tool {
  const { v } = core;
  return {
    name: "unwrap",
    description:
      "Write a ref's full output text to output.md in its directory and return {ref, file, size, patch?}: call it for the text an agent produced, then Read the file (patch: a repo agent's diff).",
    annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: false },
    output: {
      type: "object",
      properties: {
        ref: { type: "string" },
        file: { type: "string" },
        size: { type: "number" },
        patch: { type: "string" },
      },
    },
    input: v.object({
      ref: v.pipe(
        v.union([v.string(), v.object({ ref: v.string() })]),
        v.description('The ref: "<run_id>/<agent_id>" or a ref object'),
      ),
    }),
    async run({ ref }) {
      const rec = await core.refs.get(ref);
      const copied = await core.refs.copyOut(rec.ref, MAX_UNWRAP);
      const skipped = copied.skipped && copied.skipped !== "missing"
        ? { skipped: `the text file is ${copied.skipped}` }
        : {};
      const truncated = copied.truncated
        ? { truncated: `only the first ${MAX_UNWRAP >> 30} GB of the output were copied` }
        : {};
      // A repo agent's diff, written beside the ref by the server (never by the agent): its path.
      const diff = join(core.refs.paths(rec.run_id, rec.agent_id).dir, "repo.patch");
      const patch = await lstat(diff).then((s) => s.isFile() ? { patch: diff } : {}, () => ({}));
      return {
        ref: rec.ref,
        file: copied.file,
        size: copied.size,
        ...patch,
        status: rec.status,
        error: rec.error,
        ...skipped,
        ...truncated,
      };
    },
  };
}
