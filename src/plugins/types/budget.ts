// A caller's schema runs in the server against what an agent wrote, synchronously: one that repeats
// itself ({"allOf": [{"$ref": "#/$defs/d1"}, {"$ref": "#/$defs/d1"}]} 34 levels down is 2^34
// checks; "uniqueItems" over 100,000 objects is 5·10^9 comparisons in ajv) would freeze every call
// of the server. So every subschema counts one step each time it is applied (and a pattern each of
// its threads per character), the check stops at a budget that grows with the value, and
// uniqueItems compares canonical texts in a set.
import type { Core } from "../../core/types.ts";

/** The keyword marking every subschema; its validator counts the steps. */
const STEP = "x-swarm-step";
const BASE_STEPS = 1_000_000;
/** Steps allowed per character of the value's JSON, on top of the base. */
const STEPS_PER_CHAR = 4;

// Maps whose values are subschemas (the map itself is not one: a mark there would be read as a
// property name), and keywords whose values are data, left exactly as written. Every other object
// is marked, also under a keyword unknown here: a "$ref" may point anywhere in the schema.
const MAPS = [
  "properties",
  "patternProperties",
  "definitions",
  "$defs",
  "dependentSchemas",
  "dependencies",
];
const DATA = ["const", "enum", "default", "examples", "dependentRequired"];

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => !!x && typeof x === "object" && !Array.isArray(x);
const mapValues = (o: Obj, f: (x: unknown) => unknown) =>
  Object.fromEntries(Object.entries(o).map(([k, x]) => [k, f(x)]));

/** The schema with every subschema marked (a copy; the caller's object is not touched). */
export function marked(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(marked);
  if (!isObj(s)) return s;
  const out = mapValues(s, (v) => v);
  for (const [k, v] of Object.entries(s)) {
    if (!DATA.includes(k)) out[k] = MAPS.includes(k) && isObj(v) ? mapValues(v, marked) : marked(v);
  }
  return { ...out, [STEP]: true };
}

/** A JSON value as text with object keys sorted: equal values (as ajv's uniqueItems means it)
 * give equal texts. */
const canonical = (x: unknown): string =>
  Array.isArray(x)
    ? `[${x.map(canonical).join(",")}]`
    : isObj(x)
    ? `{${Object.keys(x).sort().map((k) => `${JSON.stringify(k)}:${canonical(x[k])}`).join(",")}}`
    : JSON.stringify(x);

export class OverBudget extends Error {}

/** Steps left in the check under way (checks are synchronous: one at a time). */
let left = Infinity;
/** Count `n` steps of the check under way; a pattern's threads count too (safe-pattern.ts). */
export function spend(n: number): void {
  if ((left -= n) < 0) throw new OverBudget();
}

type Ajv = InstanceType<Awaited<ReturnType<Core["ajv"]>>>;

/** Installs the step counter and the linear uniqueItems; `run` checks one value within budget. */
export function stepBudget(ajv: Pick<Ajv, "addKeyword" | "removeKeyword">) {
  ajv.addKeyword({
    keyword: STEP,
    schemaType: "boolean",
    errors: false,
    validate: () => (spend(1), true),
  });
  ajv.removeKeyword("uniqueItems");
  ajv.addKeyword({
    keyword: "uniqueItems",
    type: "array",
    schemaType: "boolean",
    validate: (unique: boolean, data: unknown[]) =>
      !unique || new Set(data.map(canonical)).size === data.length,
  });
  return <T>(valueChars: number, check: () => T): T => {
    left = BASE_STEPS + STEPS_PER_CHAR * valueChars;
    try {
      return check();
    } finally {
      left = Infinity;
    }
  };
}
