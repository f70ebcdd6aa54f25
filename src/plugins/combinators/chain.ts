// chain: agents one after another; each stage gets the previous stage's output as context and
// stops the chain if it fails.
import type { Core, Ref, Tool } from "../../core/types.ts";
import { budgetField, tasksField, waitField } from "./_common.ts";
import { clean, totals } from "./_results.ts";
import { listedSpec, taskCall } from "./_task-list.ts";
import { budgeted } from "./_budget.ts";
import { runTask } from "./_tasks.ts";

const OWN = ["stages", "budget", "wait_s"];
/** The largest previous output handed on inline; bigger ones should go through files. */
const MAX_CONTEXT = 4 * 1024 * 1024;

export function chain(core: Core): Tool {
  const { v } = core;
  return {
    name: "chain",
    description:
      'Run agents one after another (stage-0, stage-1, …), each given the previous output as "# Context from previous stage:". Returns {run_id, completed_stages, total_stages, final: ref, intermediates, totals}; a failing stage stops the chain ({failed_stage, error: "Stage i failed: …"}). Sandbox fields here are every stage\'s defaults.',
    annotations: { openWorldHint: true },
    sandboxFields: "brief",
    input: v.object({
      stages: tasksField(core, "The stages, in order"),
      budget: budgetField(core),
      wait_s: waitField(core),
    }),
    async run(args: Record<string, unknown>, ctx) {
      const { top, tasks: stages, rest } = await taskCall(core, args, OWN, "stages");
      return core.runs.start(
        "chain",
        ctx,
        { wait_s: rest.wait_s as number, total: stages.length },
        budgeted(rest.budget as number | undefined, { slots: 1, tasks: stages.length }, async (
          run,
          budget,
        ) => {
          const t0 = Date.now();
          const done: Ref[] = [];
          let context: string | undefined;
          for (const [i, stage] of stages.entries()) {
            const prev = done.at(-1);
            const prompt = context === undefined
              ? stage.prompt
              : `${stage.prompt}\n\n# Context from previous stage:\n${context}`;
            const ref = await runTask(core, run, {
              agentId: `stage-${i}`,
              prompt,
              parents: prev ? [prev.ref] : [],
              budget,
              ...listedSpec(core, top, stage, `stages[${i}]`),
            });
            done.push(ref);
            if (ref.status !== "ok") {
              return clean({
                run_id: run.run_id,
                completed_stages: i,
                total_stages: stages.length,
                failed_stage: i,
                error: `Stage ${i} failed: ${ref.error ?? ref.status}`,
                intermediates: done,
                totals: totals(done, t0),
                budget: budget.report(),
              });
            }
            if (i < stages.length - 1) context = await core.refs.readText(ref.ref, MAX_CONTEXT);
          }
          return clean({
            run_id: run.run_id,
            completed_stages: stages.length,
            total_stages: stages.length,
            final: done.at(-1)!,
            intermediates: done,
            totals: totals(done, t0),
            budget: budget.report(),
          });
        }),
      );
    },
  };
}
