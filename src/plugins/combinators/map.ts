// map: one prompt template applied to every input in parallel; refs come back in input order.
import type { Core, Ref, RunHandle, SandboxSpec, Tool } from "../../core/types.ts";
import { budgetField, concurrencyField, MAX_PROMPT, splitArgs, waitField } from "./_common.ts";
import { manyResult } from "./_results.ts";
import { parseList } from "./_task-list.ts";
import { type Budget, budgeted } from "./_budget.ts";
import { runTask, schedule } from "./_tasks.ts";

const OWN = ["prompt_template", "inputs", "max_concurrency", "budget", "wait_s"];

/** `{input}` replaced by each input; non-string inputs are JSON. */
export function fillTemplate(core: Core, template: string, inputs: unknown[]): string[] {
  if (!template.includes("{input}")) {
    core.fail(
      "INVALID_INPUT",
      `Cannot use "prompt_template": it has no {input} placeholder; put {input} where each input goes, or use par for different prompts`,
    );
  }
  return inputs.map((x, i) => {
    const prompt = template.replaceAll("{input}", typeof x === "string" ? x : JSON.stringify(x));
    if (prompt.length > MAX_PROMPT) {
      core.fail(
        "TOO_LARGE",
        `Cannot use inputs[${i}]: the prompt it makes is over 1 MiB; put large inputs in files and mount them`,
      );
    }
    return prompt;
  });
}

export function inputsField(core: Core) {
  const { v } = core;
  return v.pipe(
    v.union([v.array(v.unknown()), v.string()]),
    v.description(
      "The inputs: a list or a JSON array string; each replaces {input} (non-strings as JSON)",
    ),
  );
}

export function templateField(core: Core) {
  const { v } = core;
  return v.pipe(
    v.string(),
    v.minLength(1),
    v.maxLength(MAX_PROMPT),
    v.description(
      "The prompt for every agent; each {input} is replaced by the input",
    ),
  );
}

export function map(core: Core): Tool {
  const { v } = core;
  return {
    name: "map",
    description:
      "Apply one prompt template to each input in parallel, one agent per input (ids agent-0, agent-1, …). Returns {run_id, total, succeeded, failed, results: [ref…] in input order, totals: {cost_usd, succeeded, failed, duration_seconds}, budget?}. Sandbox fields apply to every agent. Call unwrap on a ref to read its text, or use map_reduce to combine them.",
    annotations: { openWorldHint: true },
    sandboxFields: "brief",
    input: v.object({
      prompt_template: templateField(core),
      inputs: inputsField(core),
      max_concurrency: concurrencyField(core),
      budget: budgetField(core),
      wait_s: waitField(core),
    }),
    async run(args: Record<string, unknown>, ctx) {
      const { sandbox, overrides, rest } = splitArgs(args, OWN);
      const prompts = fillTemplate(
        core,
        rest.prompt_template as string,
        parseList(core, "inputs", rest.inputs),
      );
      const spec = await core.sandboxes.resolve(sandbox, overrides);
      return core.runs.start(
        "map",
        ctx,
        { wait_s: rest.wait_s as number, total: prompts.length },
        budgeted(rest.budget as number | undefined, {
          slots: Math.min(rest.max_concurrency as number, prompts.length),
          tasks: prompts.length,
        }, async (run, budget) => {
          const t0 = Date.now();
          const refs = await mapAgents(
            core,
            run,
            prompts,
            spec,
            budget,
            rest.max_concurrency as number,
          );
          return manyResult(run, refs, t0, budget);
        }),
      );
    },
  };
}

/** One agent per prompt, all with one spec, at most `concurrency` at once: map's work, and the
 * first phase of map_reduce. */
export function mapAgents(
  core: Core,
  run: RunHandle,
  prompts: string[],
  spec: SandboxSpec,
  budget: Budget,
  concurrency: number,
): Promise<Ref[]> {
  return schedule(prompts.length, concurrency, (i) =>
    runTask(core, run, {
      agentId: `agent-${i}`,
      prompt: prompts[i]!,
      spec: () => Promise.resolve(spec),
      budget,
      callLevel: true,
    }));
}
