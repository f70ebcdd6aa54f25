// unwrap: put a ref's text in output.md (copied on disk, never through memory) and say where.
// core.refs.copyOut copies only a regular file, never a link, and refuses an encrypted ref.
import type { Core, Tool } from "../../core/types.ts";

const MAX_UNWRAP = 4 * 2 ** 30;

export function unwrap(core: Core): Tool {
  const { v } = core;
  return {
    name: "unwrap",
    description:
      "Write a ref's full output text to output.md in its directory and return {ref, file, size}: call it for the text an agent produced, then Read the file.",
    annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: false },
    output: {
      type: "object",
      properties: { ref: { type: "string" }, file: { type: "string" }, size: { type: "number" } },
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
      return {
        ref: rec.ref,
        file: copied.file,
        size: copied.size,
        status: rec.status,
        error: rec.error,
        ...skipped,
        ...truncated,
      };
    },
  };
}
