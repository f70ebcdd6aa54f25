// output_schema: a JSON Schema the agent's structured output must match, checked with ajv (handed
// over by the core: a plugin may not import a package). A schema ajv cannot compile is the
// caller's mistake and is refused before any agent starts.
import type { Core, Json } from "../../core/types.ts";
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

export function schemaChecker(core: Core): SchemaChecker {
  let ajv: Promise<{ compile(schema: unknown): Check }> | undefined;
  const cache = new Map<string, Check>();

  async function compile(schema: Json): Promise<Check> {
    const key = JSON.stringify(schema);
    const hit = cache.get(key);
    if (hit) return hit;
    // strict: false — schemas written for other tools carry keywords ajv does not know.
    ajv ??= core.ajv().then((Ajv) =>
      new Ajv({ allErrors: true, strict: false, code: { regExp: safePattern } })
    );
    let check: Check;
    try {
      check = (await ajv).compile(schema);
    } catch (e) {
      core.fail(
        "INVALID_INPUT",
        `Cannot use "output_schema": it is not a usable JSON Schema (${
          String((e as Error)?.message ?? e).slice(0, 300)
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
      if (check(value)) return [];
      return (check.errors ?? []).slice(0, MAX_ERRORS).map((e) =>
        `${e.instancePath || "(root)"} ${e.message ?? "is not allowed"}`
      );
    },
  };
}
