// map_reduce: map a template over inputs in parallel, then synthesise the successful outputs with
// one reducer, in a single call. Partial map failures are reported; all failing is an error.
import type { Core, Tool } from "../../core/types.ts";
import { budgetField, concurrencyField, promptField, splitArgs, waitField } from "./_common.ts";
import { fillTemplate, inputsField, mapAgents, templateField } from "./map.ts";
import { MAX_INPUT_BYTES, synthesisPrompt } from "./reduce.ts";
import { clean, describeFailures, totals } from "./_results.ts";
import { parseList } from "./_task-list.ts";
import { budgeted } from "./_budget.ts";
import { runTask } from "./_tasks.ts";

const OWN = [
  "prompt_template",
  "inputs",
  "synthesis_prompt",
  "reduce_model",
  "reduce_system_prompt",
  "max_concurrency",
  "budget",
  "wait_s",
];
/** Fields that describe one map item's job, not the synthesis. */
const MAP_ONLY = ["system_prompt", "input_type", "output_type"];

export function mapReduce(core: Core): Tool {
  const { v } = core;
  return {
    name: "map_reduce",
    description:
      "map, then one reducer agent over the successful outputs, in one call: result is the reducer's ref, map_results the map refs; an error if every map agent fails. system_prompt is the map agents', reduce_system_prompt the reducer's; output_schema applies to the reducer.",
    annotations: { openWorldHint: true },
    sandboxFields: "brief",
    input: v.object({
      prompt_template: templateField(core),
      inputs: inputsField(core),
      synthesis_prompt: promptField(
        core,
        'Instructions for the reducer; the map outputs are appended under "# Inputs to synthesise:"',
      ),
      reduce_model: v.optional(
        v.pipe(v.string(), v.description("Model for the reducer (default: the map agents' model)")),
      ),
      reduce_system_prompt: v.optional(
        v.pipe(v.string(), v.description("System prompt for the reducer")),
      ),
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
      const { output_schema, ...mapFields } = overrides;
      const mapSpec = await core.sandboxes.resolve(sandbox, mapFields);
      const reduceFields = Object.fromEntries(
        Object.entries(overrides).filter(([k]) => !MAP_ONLY.includes(k)),
      );
      const reduceSpec = await core.sandboxes.resolve(sandbox, {
        ...reduceFields,
        output_schema,
        model: rest.reduce_model ?? overrides.model,
        system_prompt: rest.reduce_system_prompt,
      });
      return core.runs.start(
        "map_reduce",
        ctx,
        {
          wait_s: rest.wait_s as number,
          total: prompts.length + 1,
        },
        budgeted(rest.budget as number | undefined, {
          slots: Math.min(rest.max_concurrency as number, prompts.length),
          tasks: prompts.length + 1,
        }, async (run, budget) => {
          const t0 = Date.now();
          const maps = await mapAgents(
            core,
            run,
            prompts,
            mapSpec,
            budget,
            rest.max_concurrency as number,
          );
          if (run.signal.aborted) {
            core.fail("CANCELLED", `Run "${run.run_id}" was cancelled during the map phase`);
          }
          const ok = maps.filter((r) => r.status === "ok");
          const bad = maps.filter((r) => r.status !== "ok");
          if (ok.length === 0) {
            const why = budget.report()?.stopped
              ? ` (the budget of $${budget.limit} stopped ${budget.notStarted.length} of them)`
              : "";
            core.fail(
              "AGENT_FAILED",
              `Cannot reduce: all ${maps.length} map agents failed${why} in run "${run.run_id}": ${
                describeFailures(maps)
              }; call inspect on a ref to see why`,
            );
          }
          const texts: string[] = [];
          for (const r of ok) texts.push(await core.refs.readText(r.ref, MAX_INPUT_BYTES));
          const reducer = await runTask(core, run, {
            agentId: "reducer",
            prompt: synthesisPrompt(rest.synthesis_prompt as string, texts),
            parents: ok.map((r) => r.ref),
            spec: () => Promise.resolve(reduceSpec),
            budget,
            callLevel: true,
          });
          return clean({
            run_id: run.run_id,
            map_total: maps.length,
            map_succeeded: ok.length,
            map_failed: bad.length,
            result: reducer,
            map_errors: bad.length
              ? bad.map((r) => ({
                agent_id: r.agent_id,
                ref: r.ref,
                status: r.status,
                error: r.error,
              }))
              : undefined,
            map_results: maps,
            totals: totals([...maps, reducer], t0),
            budget: budget.report(),
          });
        }),
      );
    },
  };
}
