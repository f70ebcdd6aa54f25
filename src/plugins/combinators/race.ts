// race: start several approaches at once; the first success wins and every other container is
// killed at once (the reference waited for all of them and killed none).
import type { Core, Ref, Tool } from "../../core/types.ts";
import { budgetField, concurrencyField, tasksField, waitField } from "./_common.ts";
import { clean, describeFailures, totals } from "./_results.ts";
import { listedSpec, taskCall } from "./_task-list.ts";
import { budgeted } from "./_budget.ts";
import { runTask, schedule } from "./_tasks.ts";

const OWN = ["tasks", "max_concurrency", "budget", "wait_s"];

export function race(core: Core): Tool {
  const { v } = core;
  return {
    name: "race",
    description:
      "Start several approaches in parallel (agent-0, …); the first to succeed wins, the others are killed at once (cancelled, not failed). Returns {run_id, winner: ref, attempted, failed, results: [ref…] in task order, totals, budget?}; an error listing each failure if all fail. Sandbox fields here are every task's defaults.",
    annotations: { openWorldHint: true },
    sandboxFields: "brief",
    input: v.object({
      tasks: tasksField(core, "The competing approaches"),
      max_concurrency: concurrencyField(core),
      budget: budgetField(core),
      wait_s: waitField(core),
    }),
    async run(args: Record<string, unknown>, ctx) {
      const { top, tasks, rest } = await taskCall(core, args, OWN, "tasks");
      return core.runs.start(
        "race",
        ctx,
        { wait_s: rest.wait_s as number, total: tasks.length },
        budgeted(rest.budget as number | undefined, {
          slots: Math.min(rest.max_concurrency as number, tasks.length),
          tasks: tasks.length,
        }, async (run, budget) => {
          const t0 = Date.now();
          // One controller per task, each also following the run's own signal (cancel, shutdown).
          const controllers = tasks.map(() => new AbortController());
          let winner: Ref | undefined;
          const refs = await schedule(tasks.length, rest.max_concurrency as number, async (i) => {
            const task = tasks[i]!;
            const ref = await runTask(core, run, {
              agentId: `agent-${i}`,
              prompt: task.prompt,
              budget,
              ...listedSpec(core, top, task, `tasks[${i}]`),
              signal: AbortSignal.any([run.signal, controllers[i]!.signal]),
              abortReason: () => (winner
                ? `Not started: ${winner.agent_id} already won the race`
                : "Cancelled before the agent started"),
            });
            if (ref.status === "ok" && !winner) {
              winner = ref;
              const reason = new DOMException(`${ref.agent_id} won the race`, "AbortError");
              controllers.forEach((c, j) => j !== i && c.abort(reason));
            }
            return ref;
          });
          if (!winner) {
            if (run.signal.aborted) {
              core.fail(
                "CANCELLED",
                `Run "${run.run_id}" was cancelled before any approach succeeded`,
              );
            }
            const why = budget.report()?.stopped
              ? ` (the budget of $${budget.limit} stopped ${budget.notStarted.length} of them)`
              : "";
            core.fail(
              "AGENT_FAILED",
              `Cannot win the race: all ${tasks.length} approaches failed${why} in run "${run.run_id}": ${
                describeFailures(refs)
              }; call inspect on a ref to see why`,
            );
          }
          // Killed losers are "cancelled", not failures of their approach.
          const failed = refs.filter((r) => r.status === "failed" || r.status === "timeout").length;
          return clean({
            run_id: run.run_id,
            winner,
            attempted: refs.length,
            failed,
            results: refs,
            totals: totals(refs, t0),
            budget: budget.report(),
          });
        }),
      );
    },
  };
}
