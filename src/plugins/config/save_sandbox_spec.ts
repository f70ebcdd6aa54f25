// save_sandbox_spec: keep a sandbox spec under a name, in the first sandboxes search path (the
// newest wrap_project dir, else $SWARM_PROJECT_DIR, else ~/.claude), 0600. The spec is checked
// field by field like an inline one, so a saved name never holds what a call would refuse.
import type { Core, Tool } from "../../core/types.ts";

const MAX_SPEC = 1 << 20;

export function saveSandboxSpec(core: Core): Tool {
  const { v } = core;
  return {
    name: "save_sandbox_spec",
    description:
      "Save a sandbox spec (the sandbox fields run lists) under a name that any `sandbox` argument can then use. Returns {saved: true, name, path}.",
    annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: false },
    input: v.object({
      name: v.pipe(v.string(), v.description('Letters, digits, ".", "_", "-" (up to 64)')),
      spec: v.pipe(
        v.union([v.string(), v.record(v.string(), v.unknown())]),
        v.description("The fields, as an object or its JSON text"),
      ),
    }),
    async run({ name, spec }) {
      let fields = spec;
      if (typeof spec === "string") {
        if (spec.length > MAX_SPEC) {
          core.fail(
            "TOO_LARGE",
            `Cannot save sandbox ${
              JSON.stringify(name.slice(0, 70))
            }: the spec is over 1 MiB; save a smaller spec`,
          );
        }
        try {
          fields = JSON.parse(spec);
        } catch (e) {
          core.fail(
            "INVALID_INPUT",
            `Cannot parse "spec" as JSON: ${
              (e as Error).message
            }; pass an object of sandbox fields`,
          );
        }
      }
      if (!fields || typeof fields !== "object" || Array.isArray(fields)) {
        core.fail(
          "INVALID_INPUT",
          `Cannot save sandbox ${
            JSON.stringify(name.slice(0, 70))
          }: "spec" must be an object of sandbox fields; pass {"model": …} or its JSON`,
        );
      }
      const path = await core.sandboxes.save(name, fields as Record<string, unknown>);
      return { saved: true, name, path };
    },
  };
}
