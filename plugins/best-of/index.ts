// best_of: an example third-party combinator built only on ctx.call. It asks N agents the same
// question in parallel (par), then one judge agent picks the best answer (reduce). Its work runs
// under core.runs.start, so par and reduce join its run (one run id, one cancel, one progress bar)
// and best_of answers within wait_s like every other long call.
// It imports nothing at run time: valibot comes from `core.v`, everything else through ctx.call.
import type { PluginFactory, Ref, Tool } from "../../src/core/types.ts";

// par and reduce refuse a prompt over 1 MiB too, but the judge's only after the candidates ran.
const MAX_PROMPT = 1 << 20;
const JUDGE = "Several agents answered the same task independently. Pick the single best answer, " +
  "reply with it verbatim, then one line saying why it beats the others.";

const factory: PluginFactory = (core) => {
  const { v } = core;
  const bestOf: Tool = {
    name: "best_of",
    description:
      "Ask n agents the same prompt in parallel, then have a judge agent pick the best answer. Returns {candidates: [ref], best: ref, cost_usd}. Use for tasks where answers vary in quality; call unwrap(best.ref) to read the winner.",
    annotations: { openWorldHint: true },
    input: v.object({
      prompt: v.pipe(
        v.string(),
        v.minLength(1),
        v.maxLength(MAX_PROMPT, "the prompt is over 1 MiB"),
        v.description("The task every candidate agent gets"),
      ),
      n: v.optional(
        v.pipe(
          v.number(),
          v.integer(),
          v.minValue(2),
          v.maxValue(10),
          v.description("How many candidates (2-10, default 3)"),
        ),
        3,
      ),
      judge_prompt: v.optional(
        v.pipe(
          v.string(),
          v.maxLength(MAX_PROMPT, "the judge_prompt is over 1 MiB"),
          v.description("How the judge should choose (default: pick the best answer)"),
        ),
        JUDGE,
      ),
      sandbox: v.optional(
        v.pipe(
          v.union([v.string(), v.record(v.string(), v.unknown())]),
          v.description('A saved spec name or a spec for every agent, e.g. {"model": "haiku"}'),
        ),
        {},
      ),
      wait_s: v.optional(
        v.pipe(
          v.number(),
          v.minValue(0),
          v.maxValue(3600),
          v.description(
            'Seconds to wait for the result (default 50); after that you get {status: "running", run_id}: call wait(run_id)',
          ),
        ),
        50,
      ),
    }),
    run: ({ prompt, n, judge_prompt, sandbox, wait_s }, ctx) =>
      core.runs.start("best_of", ctx, { wait_s, total: 0 }, async () => {
        // Nested calls join this run: they add their agents to its total and return their result.
        const tasks = Array.from({ length: n }, () => ({ prompt }));
        const par = await ctx.call("par", { tasks, sandbox }) as { results: Ref[] };
        const ok = par.results.filter((r) => r.status === "ok");
        if (ok.length === 0) {
          core.fail(
            "AGENT_FAILED",
            `Cannot pick the best of ${n}: every candidate failed (${
              par.results.map((r) => r.error).join("; ")
            }); inspect the refs`,
          );
        }
        const judged = await ctx.call("reduce", {
          inputs: ok.map((r) => ({ ref: r.ref })),
          synthesis_prompt: judge_prompt,
          sandbox,
        }) as { result: Ref };
        const cost = [...par.results, judged.result].reduce((sum, r) => sum + (r.cost_usd ?? 0), 0);
        core.log.info(`best of ${n}: ${ok.length} candidates, judge ${judged.result.ref}`);
        return {
          candidates: par.results,
          best: judged.result,
          cost_usd: Math.round(cost * 1e6) / 1e6,
        };
      }),
  };
  return { name: "best-of", tools: [bestOf] };
};

export default factory;
