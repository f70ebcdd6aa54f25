// reduce: one agent synthesises many inputs (texts or refs) into one result; the inputs that were
// refs become the result's parents.
import type { Core, Ref, Tool } from "../../core/types.ts";
import { budgetField, MAX_PROMPT, promptField, splitArgs, waitField } from "./_common.ts";
import { clean, totals } from "./_results.ts";
import { parseList } from "./_task-list.ts";
import { budgeted } from "./_budget.ts";
import { runTask } from "./_tasks.ts";

const OWN = ["inputs", "results", "synthesis_prompt", "budget", "wait_s"];
const REF_ID = /^[0-9a-f]{12}\/[A-Za-z0-9._-]{1,64}$/;
/** All inputs together; the reducer reads them from its prompt, so keep them within reason. */
export const MAX_INPUT_BYTES = 8 * 1024 * 1024;

/** The reference's synthesis prompt: the instructions, then each input under "## Input i". */
export function synthesisPrompt(instructions: string, texts: string[]): string {
  return `${instructions}\n\n# Inputs to synthesise:\n\n${
    texts.map((t, i) => `## Input ${i + 1}\n${t}`).join("\n\n---\n\n")
  }`;
}

export interface Inputs {
  texts: string[];
  parents: string[];
  skipped: { ref: string; status: string; error: string | null }[];
}

/** Strings are texts (a string that is exactly an existing ref id is that ref), {text}, {ref} or ref objects. */
export async function collectInputs(core: Core, field: string, raw: unknown): Promise<Inputs> {
  const out: Inputs = { texts: [], parents: [], skipped: [] };
  let bytes = 0;
  for (const [i, item] of parseList(core, field, raw).entries()) {
    let text: string;
    let refId: string | null = null;
    if (typeof item === "string" && REF_ID.test(item.trim())) {
      refId = await core.refs.get(item).then((r) => r.ref, () => null);
    } else if (item && typeof item === "object" && "ref" in item) {
      const p = core.refs.parse(item);
      refId = `${p.run_id}/${p.agent_id}`;
    }
    if (refId) {
      const rec = await core.refs.get(refId);
      if (rec.status !== "ok") {
        out.skipped.push({ ref: rec.ref, status: rec.status, error: rec.error });
        continue;
      }
      text = await core.refs.readText(rec.ref, MAX_INPUT_BYTES); // an encrypted one: CONFLICT
      out.parents.push(rec.ref);
    } else if (typeof item === "string") text = item;
    else if (
      item && typeof item === "object" && typeof (item as { text?: unknown }).text === "string"
    ) text = (item as { text: string }).text;
    else text = JSON.stringify(item);
    bytes += text.length;
    if (bytes > MAX_INPUT_BYTES) {
      core.fail(
        "TOO_LARGE",
        `Cannot use ${field}[${i}]: the inputs add up to more than ${MAX_INPUT_BYTES} characters; reduce them in groups first`,
      );
    }
    out.texts.push(text);
  }
  if (out.texts.length === 0) {
    core.fail(
      "INVALID_INPUT",
      `Cannot reduce: none of the ${out.skipped.length} input refs succeeded (${
        out.skipped.map((s) => `${s.ref}: ${s.status}`).join(", ")
      }); nothing to synthesise`,
    );
  }
  return out;
}

export function reduce(core: Core): Tool {
  const { v } = core;
  const list = v.union([v.array(v.unknown()), v.string(), v.record(v.string(), v.unknown())]);
  return {
    name: "reduce",
    description:
      "Synthesise many inputs into one with a single agent (reducer). Inputs: texts, {text}, refs ({ref} or ref ids) or a whole par/map result; failed refs are skipped and listed. Returns {run_id, input_count, result: ref (parents: the inputs), skipped?, totals, budget?}.",
    annotations: { openWorldHint: true },
    sandboxFields: "brief",
    input: v.object({
      inputs: v.optional(
        v.pipe(
          list,
          v.description(
            "What to synthesise: a list (or JSON array string) of texts, {text}, {ref} or ref ids, or a par/map result",
          ),
        ),
      ),
      results: v.optional(
        v.pipe(list, v.description("Same as inputs (the reference implementation's name)")),
      ),
      synthesis_prompt: promptField(
        core,
        'Instructions for the synthesis; the inputs are appended under "# Inputs to synthesise:"',
      ),
      budget: budgetField(core),
      wait_s: waitField(core),
    }),
    async run(args: Record<string, unknown>, ctx) {
      const { sandbox, overrides, rest } = splitArgs(args, OWN);
      if (rest.inputs === undefined && rest.results === undefined) {
        core.fail("INVALID_INPUT", `Cannot reduce: give "inputs" (texts or refs to synthesise)`);
      }
      const inputs = await collectInputs(
        core,
        rest.inputs !== undefined ? "inputs" : "results",
        rest.inputs ?? rest.results,
      );
      const prompt = synthesisPrompt(rest.synthesis_prompt as string, inputs.texts);
      if (prompt.length > MAX_INPUT_BYTES + MAX_PROMPT) {
        core.fail(
          "TOO_LARGE",
          "Cannot reduce: the synthesis prompt is too large; reduce the inputs in groups first",
        );
      }
      const spec = await core.sandboxes.resolve(sandbox, overrides);
      return core.runs.start(
        "reduce",
        ctx,
        { wait_s: rest.wait_s as number, total: 1 },
        budgeted(rest.budget as number | undefined, { slots: 1, tasks: 1 }, async (
          run,
          budget,
        ) => {
          const t0 = Date.now();
          const ref: Ref = await runTask(core, run, {
            agentId: "reducer",
            prompt,
            parents: inputs.parents,
            spec: () => Promise.resolve(spec),
            callLevel: true,
            budget,
          });
          return clean({
            run_id: run.run_id,
            input_count: inputs.texts.length,
            result: ref,
            skipped: inputs.skipped.length ? inputs.skipped : undefined,
            totals: totals([ref], t0),
            budget: budget.report(),
          });
        }),
      );
    },
  };
}
