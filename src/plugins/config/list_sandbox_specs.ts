// list_sandbox_specs: every saved spec on the search paths (the first of a name wins), with what
// it runs: its model, tools and MCPs, the defaults filling what it leaves out. A file that cannot
// be loaded is listed with its error instead of failing the whole list.
import type { Core, Tool } from "../../core/types.ts";

export function listSandboxSpecs(core: Core): Tool {
  const { v } = core;
  return {
    name: "list_sandbox_specs",
    description:
      "List the saved sandbox specs: [{name, model, tools, mcps, source}], or {name, error, source} for a file that does not load.",
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    input: v.object({}),
    async run() {
      const defaults = await core.sandboxes.resolve(undefined) as unknown as Record<
        string,
        unknown
      >;
      return (await core.sandboxes.list()).map((s) => {
        if (!s.spec) return { name: s.name, error: s.error, source: s.source };
        const spec = { ...defaults, ...s.spec } as Record<string, unknown>;
        return {
          name: s.name,
          model: spec.model ?? null,
          tools: spec.tools ?? null,
          mcps: spec.mcps ?? [],
          source: s.source,
        };
      });
    },
  };
}
