// run: one agent in its own container; returns its ref.
import type { Core, Tool } from "../../core/types.ts";
import { agent, promptField, splitArgs, waitField } from "./_common.ts";

export function run(core: Core): Tool {
  const { v } = core;
  return {
    name: "run",
    description:
      "Run one coding agent (the claude CLI) in its own Docker container and return a ref: {ref, status, exit_code, error, cost_usd, duration_seconds, …}. The output text stays on disk: call unwrap(ref) to read it. Any sandbox field (model, tools, mounts, network, timeout, …) may be given directly or through `sandbox`.",
    annotations: { openWorldHint: true },
    sandboxFields: "described",
    input: v.object({ prompt: promptField(core), wait_s: waitField(core) }),
    async run(args: Record<string, unknown>, ctx) {
      const { sandbox, overrides, rest } = splitArgs(args, ["prompt", "wait_s"]);
      const spec = await core.sandboxes.resolve(sandbox, overrides);
      return core.runs.start(
        "run",
        ctx,
        { wait_s: rest.wait_s as number, total: 1 },
        (r) => agent(core, r, spec, rest.prompt as string, "agent-0"),
      );
    },
  };
}
