// filter: keep the refs whose output validates as a declared type. Each ref is checked with the
// types plugin's validate tool (through ctx.call); without that plugin filter says so and stops.
import type { Core, Ref, Tool } from "../../core/types.ts";
import { concurrencyField, waitField } from "./_common.ts";
import { clean } from "./_results.ts";
import { parseList } from "./_task-list.ts";
import { schedule } from "./_tasks.ts";
import { requireValidate, validateRef, type Verdict } from "./_validate.ts";

type Rejected = Ref & { verdict: string; score: number | null; issues: string[] };

export function filter(core: Core): Tool {
  const { v } = core;
  return {
    name: "filter",
    description:
      "Validate each ref as declared_type and keep the VALID ones. Returns {run_id, total, valid, invalid, results: [valid refs], rejected: [ref + {verdict, score, issues}]}; refs of failed agents are rejected unvalidated.",
    annotations: { openWorldHint: true },
    input: v.object({
      refs: v.pipe(
        v.union([v.array(v.unknown()), v.string(), v.record(v.string(), v.unknown())]),
        v.description(
          "The refs to check: a list (or JSON array string) of ref ids or ref objects, or a par/map result",
        ),
      ),
      declared_type: v.pipe(
        v.string(),
        v.minLength(1),
        v.description("The registered type name each output must match"),
      ),
      model: v.optional(
        v.pipe(
          v.string(),
          v.description("Model for the validator agents (the validate tool's default otherwise)"),
        ),
      ),
      timeout: v.optional(
        v.pipe(
          v.number(),
          v.description("Seconds per validation (the validate tool's default otherwise)"),
        ),
      ),
      max_concurrency: concurrencyField(core),
      wait_s: waitField(core),
    }),
    async run(
      args: {
        refs: unknown;
        declared_type: string;
        model?: string;
        timeout?: number;
        max_concurrency: number;
        wait_s: number;
      },
      ctx,
    ) {
      const ids = parseList(core, "refs", args.refs).map((r, i) => {
        try {
          const p = core.refs.parse(r);
          return `${p.run_id}/${p.agent_id}`;
        } catch (e) {
          if (core.isToolError(e)) {
            core.fail("INVALID_INPUT", `Cannot use refs[${i}]: ${e.message}`);
          }
          throw e;
        }
      });
      for (const id of ids) await core.refs.get(id); // an unknown ref is the caller's mistake: say so before starting
      requireValidate(core, "filter");
      const extra = clean({ model: args.model, timeout: args.timeout });
      return core.runs.start(
        "filter",
        ctx,
        // Its agents are the validators': a validate tool's run joins this one and adds them.
        { wait_s: args.wait_s, total: 0 },
        async (run) => {
          const checked = await schedule(
            ids.length,
            args.max_concurrency,
            async (i): Promise<{ ref: Ref; verdict: Verdict | null; error?: string }> => {
              const ref = core.refs.wire(await core.refs.get(ids[i]!));
              if (ref.status !== "ok") {
                return {
                  ref,
                  verdict: null,
                  error: `The agent ended with status ${ref.status}${
                    ref.error ? `: ${ref.error}` : ""
                  }`,
                };
              }
              try {
                const verdict = await validateRef(
                  ctx,
                  run.signal,
                  ref.ref,
                  args.declared_type,
                  extra,
                );
                return { ref: core.refs.wire(await core.refs.get(ref.ref)), verdict };
              } catch (e) {
                if (run.signal.aborted || !core.isToolError(e)) throw e;
                return { ref, verdict: null, error: e.message };
              }
            },
          );
          const results = checked.filter((c) => c.verdict?.ok).map((c) => c.ref);
          const rejected: Rejected[] = checked.filter((c) => !c.verdict?.ok).map((c) => ({
            ...c.ref,
            verdict: c.verdict?.verdict ?? "UNKNOWN",
            score: c.verdict?.score ?? null,
            issues: c.verdict?.issues ?? (c.error ? [c.error] : []),
          }));
          return {
            run_id: run.run_id,
            total: ids.length,
            valid: results.length,
            invalid: rejected.length,
            results,
            rejected,
          };
        },
      );
    },
  };
}
