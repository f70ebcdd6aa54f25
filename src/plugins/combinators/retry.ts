// retry: one agent, tried again with the earlier errors in its prompt until it succeeds (and, with
// declared_type, until its output validates), at most max_attempts times.
import type { Core, Ref, Tool } from "../../core/types.ts";
import { budgetField, promptField, splitArgs, waitField } from "./_common.ts";
import { clean, totals } from "./_results.ts";
import { budgeted } from "./_budget.ts";
import { runTask } from "./_tasks.ts";
import { describeVerdict, requireValidate, validateRef } from "./_validate.ts";

const OWN = ["prompt", "max_attempts", "declared_type", "budget", "wait_s"];

/** The reference's feedback block, appended to the original prompt from the second attempt on. */
export function retryPrompt(prompt: string, priorErrors: string[]): string {
  if (priorErrors.length === 0) return prompt;
  return `${prompt}\n\n# Prior attempts failed with these errors:\n${
    priorErrors.map((e, i) => `\n## Attempt ${i + 1}\n${e}\n`).join("")
  }\nPlease fix the issues and try again.`;
}

export function retry(core: Core): Tool {
  const { v } = core;
  return {
    name: "retry",
    description:
      "Run one agent; on failure run it again with the earlier errors in its prompt, up to max_attempts (attempt-1, …). With declared_type, output that does not validate as that type is a failure too. Returns the successful ref (stamped retry) with attempts, totals, budget; an error listing each attempt if all fail.",
    annotations: { openWorldHint: true },
    sandboxFields: "brief",
    input: v.object({
      prompt: promptField(core),
      max_attempts: v.optional(
        v.pipe(
          v.number(),
          v.integer(),
          v.minValue(1),
          v.maxValue(10),
          v.description("Most attempts, the first included (default 3)"),
        ),
        3,
      ),
      declared_type: v.optional(
        v.pipe(
          v.string(),
          v.minLength(1),
          v.description(
            "A registered type name: each successful output is validated as this type, and retried if it is not VALID",
          ),
        ),
      ),
      budget: budgetField(core),
      wait_s: waitField(core),
    }),
    async run(args: Record<string, unknown>, ctx) {
      const { sandbox, overrides, rest } = splitArgs(args, OWN);
      const spec = await core.sandboxes.resolve(sandbox, overrides);
      const max = rest.max_attempts as number;
      const declaredType = rest.declared_type as string | undefined;
      if (declaredType !== undefined) requireValidate(core, "retry");
      return core.runs.start(
        "retry",
        ctx,
        { wait_s: rest.wait_s as number, total: max },
        budgeted(rest.budget as number | undefined, { slots: 1, tasks: max }, async (
          run,
          budget,
        ) => {
          const t0 = Date.now();
          const attempts: Ref[] = [];
          const prior: string[] = [];
          for (let n = 1; n <= max && !run.signal.aborted; n++) {
            if (budget.exhausted()) {
              budget.notStarted.push(`attempt-${n}`);
              break;
            }
            const ref = await runTask(core, run, {
              agentId: `attempt-${n}`,
              prompt: retryPrompt(rest.prompt as string, prior),
              parents: attempts.map((r) => r.ref),
              spec: () => Promise.resolve(spec),
              budget,
              callLevel: true,
            });
            attempts.push(ref);
            if (ref.status !== "ok") {
              prior.push(ref.error ?? `The agent ended with status ${ref.status}`);
              continue;
            }
            if (declaredType !== undefined) {
              // The validator is an agent too, capped at what is left (no other agent of this
              // call runs meanwhile; holding a reservation would starve the calls it makes).
              const left = budget.free();
              if (left <= 0 || budget.exhausted()) {
                budget.notStarted.push(`validate-${n}`);
                break;
              }
              const cap = left === Infinity ? {} : { max_budget: left };
              const verdict = await validateRef(ctx, run.signal, ref.ref, declaredType, cap);
              if (!verdict.ok) {
                prior.push(describeVerdict(verdict));
                continue;
              }
            }
            const stamped = await core.refs.stamp(ref.ref, "retry", {
              attempt: n,
              max_attempts: max,
              prior_errors: prior.map((e) => e.slice(0, 500)),
            });
            return clean({
              ...stamped,
              attempts: attempts.map((r) => r.ref),
              totals: totals(attempts, t0),
              budget: budget.report(),
            });
          }
          if (run.signal.aborted) {
            core.fail(
              "CANCELLED",
              `Run "${run.run_id}" was cancelled after ${attempts.length} attempt(s)`,
            );
          }
          const errors = prior.map((e, i) =>
            `attempt ${i + 1}: ${e.replace(/\s+/g, " ").slice(0, 300)}`
          ).join("; ");
          const last = attempts.at(-1);
          const next = last ? `; call inspect on "${last.ref}" to see why` : "";
          if (budget.report()?.stopped) {
            core.fail(
              "BUDGET_EXCEEDED",
              `Cannot finish retry: the budget of $${budget.limit} was spent ($${
                budget.report()!.spent
              }) after ${attempts.length} attempt(s) in run "${run.run_id}"${
                errors ? `: ${errors}` : ""
              }${next}`,
            );
          }
          core.fail(
            "AGENT_FAILED",
            `Cannot finish retry: all ${max} attempts failed in run "${run.run_id}": ${errors}${next}`,
          );
        }),
      );
    },
  };
}
