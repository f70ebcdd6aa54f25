// par: several agents at once, each with its own prompt and sandbox; refs come back in task order.
import type { Core, Tool } from "../../core/types.ts";
import { budgetField, concurrencyField, tasksField, waitField } from "./_common.ts";
import { manyResult } from "./_results.ts";
import { listedSpec, taskCall } from "./_task-list.ts";
import { budgeted } from "./_budget.ts";
import { runTask, schedule } from "./_tasks.ts";

const OWN = ["tasks", "max_concurrency", "budget", "wait_s"];

export function par(core: Core): Tool {
  const { v } = core;
  return {
    name: "par",
    description:
      "Run several coding agents in parallel, each in its own container. Returns {run_id, total, succeeded, failed, results: [ref…] in task order, totals, budget?}; a task that fails gives a failed ref and the others go on. Sandbox fields here are every task's defaults. unwrap a ref to read its text.",
    annotations: { openWorldHint: true },
    sandboxFields: "brief",
    input: v.object({
      tasks: tasksField(core, "The agents to run"),
      max_concurrency: concurrencyField(core),
      budget: budgetField(core),
      wait_s: waitField(core),
    }),
    async run(args: Record<string, unknown>, ctx) {
      const { top, tasks, rest } = await taskCall(core, args, OWN, "tasks");
      return core.runs.start(
        "par",
        ctx,
        { wait_s: rest.wait_s as number, total: tasks.length },
        budgeted(rest.budget as number | undefined, {
          slots: Math.min(rest.max_concurrency as number, tasks.length),
          tasks: tasks.length,
        }, async (run, budget) => {
          const t0 = Date.now();
          const refs = await schedule(tasks.length, rest.max_concurrency as number, (i) => {
            const task = tasks[i]!;
            return runTask(core, run, {
              agentId: `agent-${i}`,
              prompt: task.prompt,
              budget,
              ...listedSpec(core, top, task, `tasks[${i}]`),
            });
          });
          return manyResult(run, refs, t0, budget);
        }),
      );
    },
  };
}
