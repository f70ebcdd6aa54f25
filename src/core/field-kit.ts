// The checks sandbox-field normalisers share: a value arrives in its natural JSON type or as the
// reference's string ("1.5", "Read,Grep", '{"A":"1"}'), and a bad one is refused with one sentence
// naming the field. Plugins get the same kit as the second argument of `normalize`.
import { fail } from "./errors.ts";
import type { FieldKit, Grammar } from "./types.ts";

export const MAX_SPEC_BYTES = 1024 * 1024;
const MAX_ITEMS = 256;
const NUMERIC = /^\+?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;
const isStr = (x: unknown): x is string => typeof x === "string";

export function parseJson(field: string, raw: string): unknown {
  if (raw.length > MAX_SPEC_BYTES) {
    fail("TOO_LARGE", `Cannot use "${field}": ${raw.length} characters is over the 1 MiB limit`);
  }
  try {
    return JSON.parse(raw);
  } catch (e) {
    fail(
      "INVALID_INPUT",
      `Cannot parse "${field}" as JSON: ${
        (e as Error).message
      }; pass a JSON value or the natural type`,
    );
  }
}

/** A value as an error message shows it: its JSON type, then the start of its JSON text. */
function shown(x: unknown): string {
  const type = x === null ? "null" : Array.isArray(x) ? "array" : typeof x;
  let text: string;
  try {
    text = JSON.stringify(x) ?? String(x);
  } catch { // nested past the stack: a caller's or a saved file's value, never a crash
    text = "(nested too deeply)";
  }
  return `${type} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

export function fieldKit(name: string): FieldKit {
  function wrong(expected: string, x: unknown, at = name): never {
    fail(
      "INVALID_INPUT",
      `Cannot use sandbox field "${at}": expected ${expected}, got ${
        shown(x)
      }; fix that field or leave it out`,
    );
  }
  function text(x: unknown, grammar?: Grammar, at = name): string {
    if (!isStr(x)) wrong("a string", x, at);
    if (grammar && !grammar[0].test(x)) wrong(grammar[1], x, at);
    if (x.includes("\0")) wrong("text without NUL bytes", x, at);
    return x;
  }
  const json = (x: unknown) => (isStr(x) ? parseJson(name, x) : x);
  return {
    name,
    wrong,
    text: (x, grammar) => text(x, grammar),
    json,
    list(x, grammar) {
      const items = isStr(x) && !x.trim().startsWith("[")
        ? x.split(",").map((s) => s.trim()).filter(Boolean)
        : json(x);
      if (!Array.isArray(items) || !items.every(isStr)) {
        wrong("a list of strings or a comma-separated string", x);
      }
      if (items.length > MAX_ITEMS) wrong(`at most ${MAX_ITEMS} items`, x);
      return items.map((s, i) => text(s, grammar, `${name}[${i}]`));
    },
    record(x) {
      const r = json(x);
      if (!r || typeof r !== "object" || Array.isArray(r)) {
        wrong('an object of strings, like {"KEY": "value"}', r);
      }
      for (const [k, s] of Object.entries(r)) {
        if (!isStr(s)) wrong("a string", s, `${name}.${k.slice(0, 60)}`);
      }
      return r as Record<string, string>;
    },
    number(x, [ok, what]) {
      const n = typeof x === "number"
        ? x
        : isStr(x) && NUMERIC.test(x.trim())
        ? Number(x.trim())
        : NaN;
      if (!Number.isFinite(n)) wrong('a number (or a numeric string like "1.5")', x);
      if (!ok(n)) wrong(what, x);
      return n;
    },
    boolean(x) {
      if (typeof x === "boolean") return x;
      if (x === "true" || x === "false") return x === "true";
      return wrong('true or false (or "true"/"false")', x);
    },
  };
}
