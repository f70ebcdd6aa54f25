// output_schema: a JSON Schema the agent's structured output must match, checked with ajv (handed
// over by the core: a plugin may not import a package). A schema ajv cannot compile is the
// caller's mistake and is refused before any agent starts; a check is bounded (budget.ts).
import type { Core, Json } from "../../core/types.ts";
import { marked, OverBudget, stepBudget } from "./budget.ts";
import { safePattern } from "./safe-pattern.ts";

const MAX_ERRORS = 20;
const MAX_CACHED = 100;

type Check = ((value: unknown) => boolean) & {
  errors?: { instancePath?: string; message?: string }[] | null;
};

export interface SchemaChecker {
  /** INVALID_INPUT when `schema` is not a usable JSON Schema. */
  compile(schema: Json): Promise<Check>;
  /** The ways `value` breaks `schema` ("/path must be …"), none when it conforms. */
  errors(schema: Json, value: unknown): Promise<string[]>;
}

/** A value or schema nested past the JS stack: a RangeError from any recursive walk of it. */
const tooDeep = (e: unknown) => e instanceof RangeError;

export function schemaChecker(core: Core): SchemaChecker {
  let ajv: Promise<{ compile(schema: unknown): Check }> | undefined;
  let within: ReturnType<typeof stepBudget>;
  const cache = new Map<string, Check>();

  async function compile(schema: Json): Promise<Check> {
    // strict: false — schemas written for other tools carry keywords ajv does not know.
    ajv ??= core.ajv().then((Ajv) => {
      const a = new Ajv({ allErrors: true, strict: false, code: { regExp: safePattern } });
      within = stepBudget(a);
      return a;
    });
    let check: Check;
    let key = "";
    try {
      key = JSON.stringify(schema);
      const hit = cache.get(key);
      if (hit) return hit;
      check = (await ajv).compile(marked(schema));
    } catch (e) {
      core.fail(
        "INVALID_INPUT",
        `Cannot use "output_schema": it is not a usable JSON Schema (${
          tooDeep(e) ? "it is nested too deeply" : String((e as Error)?.message ?? e).slice(0, 300)
        }); fix the schema`,
      );
    }
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(key, check);
    return check;
  }

  return {
    compile,
    async errors(schema, value) {
      const check = await compile(schema);
      try {
        const chars = JSON.stringify(value)?.length ?? 0;
        if (within(chars, () => check(value))) return [];
      } catch (e) {
        if (!(e instanceof OverBudget) && !tooDeep(e)) throw e;
        return [
          e instanceof OverBudget
            ? "(root) could not be checked: the schema takes too many steps for this value (a $ref repeated at every level, or patterns with large counts over long strings?); simplify the schema"
            : "(root) is nested too deeply to be checked",
        ];
      }
      return (check.errors ?? []).slice(0, MAX_ERRORS).map((e) =>
        `${e.instancePath || "(root)"} ${e.message ?? "is not allowed"}`
      );
    },
  };
}
