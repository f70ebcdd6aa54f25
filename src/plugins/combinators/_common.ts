// Pieces every agent-starting combinator shares: its common fields (wait_s, prompt, tasks,
// max_concurrency, budget), typed prompts, and running one agent under a run (counting it toward the
// run's progress and cost).
import type { Core, Ref, RunHandle, SandboxSpec } from "../../core/types.ts";

export const MAX_PROMPT = 1024 * 1024;

export function waitField(core: Core) {
  const { v } = core;
  return v.optional(
    v.pipe(
      v.number(),
      v.minValue(0),
      v.maxValue(3600),
      v.description(
        'Seconds to wait, then {status: "running", run_id} comes back: call wait(run_id), never start again',
      ),
    ),
    50,
  );
}

export function promptField(core: Core, what = "What the agent should do") {
  const { v } = core;
  return v.pipe(
    v.string(),
    v.minLength(1, "the prompt is empty"),
    v.maxLength(MAX_PROMPT, "the prompt is over 1 MiB"),
    v.description(what),
  );
}

/** The reference's type context: "# Input Type" / "# Output Type" blocks before the prompt. The
 * types plugin's spawn hook writes them (resolving registered names) for every agent; without that
 * plugin they go in as given. */
export function typedPrompt(core: Core, spec: SandboxSpec, prompt: string): string {
  if (core.tools.has("resolve_type")) return prompt;
  const parts: string[] = [];
  if (spec.input_type) parts.push(`# Input Type\nYour input is: ${spec.input_type}`);
  if (spec.output_type) parts.push(`# Output Type\nYou must produce: ${spec.output_type}`);
  return parts.length ? `${parts.join("\n\n")}\n\n${prompt}` : prompt;
}

/** Run one agent as part of `run`, recording it on the run handle. */
export async function agent(
  core: Core,
  run: RunHandle,
  spec: SandboxSpec,
  prompt: string,
  agentId: string,
  extra: { parents?: string[]; budget_cap?: number; signal?: AbortSignal } = {},
): Promise<Ref> {
  // `signal` lets race kill one agent without cancelling the whole run.
  const ref = await core.spawn(spec, typedPrompt(core, spec, prompt), {
    run_id: run.run_id,
    agent_id: run.agentId(agentId),
    signal: extra.signal ?? run.signal,
    parents: extra.parents,
    budget_cap: extra.budget_cap,
  });
  run.add(ref);
  return ref;
}

/** Split validated args into the sandbox fields (what a spec may override) and the rest. */
export function splitArgs<T extends Record<string, unknown>>(
  args: T,
  own: readonly string[],
): { sandbox: unknown; overrides: Record<string, unknown>; rest: Record<string, unknown> } {
  const overrides: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(args)) {
    if (k === "sandbox") continue;
    if (own.includes(k)) rest[k] = x;
    else if (x !== undefined) overrides[k] = x;
  }
  return { sandbox: args.sandbox, overrides, rest };
}

export function concurrencyField(core: Core) {
  const { v } = core;
  return v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(1),
      v.maxValue(100),
      v.description(
        "Most agents at once for this call (default 5)",
      ),
    ),
    5,
  );
}

export function budgetField(core: Core) {
  const { v } = core;
  return v.optional(
    v.pipe(
      v.number(),
      v.minValue(0),
      v.description(
        "Hard USD cap for the call: each agent is capped at its share of what is left",
      ),
    ),
  );
}

export function tasksField(core: Core, what: string) {
  const { v } = core;
  return v.pipe(
    v.union([v.array(v.unknown()), v.string()]),
    v.description(
      `${what}: [{"prompt": "…", "sandbox"?, …sandbox fields}] (or its JSON); the call's fields are each item's defaults`,
    ),
  );
}
