// A tool's input as the registry checks and publishes it: a plain object input is strict (an
// unknown argument is refused by name, with the valid ones listed: a typo never silently drops a
// setting), and an agent-starting tool gets `sandbox` and every sandbox field loaded.
import * as v from "valibot";
import { fail } from "./errors.ts";
import type { AnySchema, Tool } from "./types.ts";

/** The optional entries of `sandbox` and the sandbox fields, to check or to publish. */
export type FieldInputs = (as: "check" | "described" | "brief") => Record<string, AnySchema>;
type ObjectSchema = AnySchema & { entries: Record<string, AnySchema> };

const NONE: Record<string, AnySchema> = {};
export const noFields: FieldInputs = () => NONE;
// Per field table (a new one when plugins add fields), per tool: built once, then reused.
const memo = new WeakMap<object, WeakMap<Tool, AnySchema>>();

type Wrapper = AnySchema & { wrapped?: AnySchema; options?: AnySchema[] };
const OBJECTS = new Set(["record", "object", "loose_object", "strict_object"]);
/** An object-like argument that takes no array: valibot's record (and an object without required
 * keys) takes one, [] becoming {}, and the call went on without the argument. */
const objectOnly = (s: Wrapper): boolean =>
  s.wrapped ? objectOnly(s.wrapped) : s.options
    ? s.options.some(objectOnly) &&
      !s.options.some((o) => ["array", "unknown", "any"].includes(o.type))
    : OBJECTS.has(s.type);
const NO_ARRAY = v.custom((x) => !Array.isArray(x), "Invalid type: an array is not accepted here");
export const noArray = (s: Wrapper): AnySchema =>
  !objectOnly(s) ? s : s.type === "optional" // kept outermost: an optional key stays one
    ? v.optional(noArray(s.wrapped!), (s as { default?: unknown }).default)
    : v.pipe(NO_ARRAY, s);

export function toolInput(tool: Tool, fields: FieldInputs, publish = false): AnySchema {
  const extra = tool.sandboxFields ? fields(publish ? tool.sandboxFields : "check") : NONE;
  let byTool = memo.get(extra);
  if (!byTool) memo.set(extra, byTool = new WeakMap());
  let input = byTool.get(tool);
  if (!input) {
    const plain = tool.input.type === "object" && !("pipe" in tool.input);
    // The tool's own arguments first, and they win over a field of the same name.
    const own = publish ? (tool.input as ObjectSchema).entries : Object.fromEntries(
      Object.entries((tool.input as ObjectSchema).entries).map(([k, s]) => [k, noArray(s)]),
    );
    // A "brief" listing leaves the fields out, so it must not say that other keys are refused.
    const entries = { ...own, ...extra, ...own };
    const loose = publish && tool.sandboxFields === "brief";
    input = !plain ? tool.input : loose ? v.looseObject(entries) : v.strictObject(entries);
    byTool.set(tool, input);
  }
  return input;
}

/** Refuse arguments a strict input does not name, before any other check. */
export function checkArgumentNames(tool: string, input: AnySchema, args: object): void {
  if (input.type !== "strict_object") return;
  const entries = (input as ObjectSchema).entries;
  const unknown = Object.keys(args).filter((k) => !Object.hasOwn(entries, k));
  if (unknown.length === 0) return;
  fail(
    "INVALID_INPUT",
    `Cannot call ${tool} with "${
      unknown[0]!.slice(0, 60)
    }": there is no such argument; valid arguments: ${Object.keys(entries).join(", ")}`,
    { fields: unknown.slice(0, 5).map((k) => k.slice(0, 60)) },
  );
}
