// unwrap: put a ref's text in output.md (copied on disk, never through memory) and say where.
import { copyFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Core, Tool } from "../../core/types.ts";

export function unwrap(core: Core): Tool {
  const { v } = core;
  return {
    name: "unwrap",
    description: "Write a ref's full output text to output.md in its directory and return {ref, file, size}. Call it when you need the text an agent produced; then Read the file. Refs are the small handles returned by run, par, map and the other combinators.",
    annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: false },
    input: v.object({ ref: v.pipe(v.union([v.string(), v.object({ ref: v.string() })]), v.description('The ref: "<run_id>/<agent_id>" or a ref object')) }),
    async run({ ref }) {
      const rec = await core.refs.get(ref);
      const enc = (await core.refs.stamps(rec.ref)).encryption as { key_id?: string } | undefined;
      if (enc) core.fail("CONFLICT", `Cannot unwrap ref "${rec.ref}": its output is encrypted (key_id ${enc.key_id ?? "unknown"}); call decrypt with that key_id`);
      const file = join(core.refs.paths(rec.run_id, rec.agent_id).dir, "output.md");
      const src = core.refs.textPath(rec);
      if (src && (await stat(src).then(() => true, () => false))) await copyFile(src, file);
      else await writeFile(file, "", { mode: 0o600 });
      return { ref: rec.ref, file, size: (await stat(file)).size, status: rec.status, error: rec.error };
    },
  };
}
