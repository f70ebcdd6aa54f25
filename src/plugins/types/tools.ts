// The registry's tools, and the two checks the spawn hooks make, offered to callers too:
// resolve_type (what input_type/output_type become) and check_schema (output_schema with ajv).
import type { Core, Json, Tool } from "../../core/types.ts";
import type { TypeRegistry } from "./registry.ts";
import type { SchemaChecker } from "./schema.ts";

const MAX_TEXT = 1024 * 1024;

export function registryTools(core: Core, types: TypeRegistry, schemas: SchemaChecker): Tool[] {
  const { v } = core;
  const name = v.pipe(v.string(), v.minLength(1), v.maxLength(64), v.description("A type name"));
  return [
    {
      name: "list_type_registry",
      description:
        "List the registered natural-language types (types/<name>.md on the search paths: wrap_project dirs, $SWARM_PROJECT_DIR/types, ~/.claude/types). Returns [{name, summary (first line), source}].",
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
      // An array result reaches the wire as {result: [...]}.
      output: { type: "object", properties: { result: { type: "array" } } },
      input: v.object({}),
      run: () => types.list(),
    },
    {
      name: "get_type_definition",
      description:
        'A registered type\'s definition. With resolve_refs (default true), [type-name] references are inlined (depth 3; later ones say "see above"). Returns {name, definition}.',
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
      input: v.object({
        name,
        resolve_refs: v.optional(
          v.pipe(v.boolean(), v.description("Inline [type-name] references (default true)")),
          true,
        ),
      }),
      output: {
        type: "object",
        properties: { name: { type: "string" }, definition: { type: "string" } },
      },
      run: async (a: { name: string; resolve_refs: boolean }) => ({
        name: a.name,
        definition: await types.definition(a.name, a.resolve_refs),
      }),
    },
    {
      name: "resolve_type",
      description:
        "What agents see for an input_type/output_type: a registered type name becomes its definition, [type-name] references in text are inlined, other text stays as given. Returns {text}.",
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
      input: v.object({
        text: v.pipe(v.string(), v.maxLength(MAX_TEXT), v.description("A type name or text")),
      }),
      output: { type: "object", properties: { text: { type: "string" } } },
      run: async (a: { text: string }) => ({ text: await types.expand(a.text) }),
    },
    {
      name: "check_schema",
      description:
        "Check a JSON value against a JSON Schema (ajv); without a value, check only that the schema compiles. Returns {valid, errors}; an unusable schema is an INVALID_INPUT error.",
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
      input: v.object({
        schema: v.pipe(v.record(v.string(), v.unknown()), v.description("The JSON Schema")),
        value: v.optional(v.pipe(v.unknown(), v.description("The JSON value to check"))),
      }),
      output: {
        type: "object",
        properties: { valid: { type: "boolean" }, errors: { type: "array" } },
      },
      async run(a: { schema: Record<string, Json>; value?: unknown }) {
        if (!("value" in a) || a.value === undefined) {
          await schemas.compile(a.schema);
          return { valid: true, errors: [] };
        }
        const errors = await schemas.errors(a.schema, a.value);
        return { valid: errors.length === 0, errors };
      },
    },
  ];
}
