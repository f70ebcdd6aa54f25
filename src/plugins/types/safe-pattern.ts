// The regular expressions of a caller's output_schema ("pattern", "patternProperties") run in the
// server against what an agent wrote, and an agent's text is untrusted. A backtracking pattern with
// a quantifier inside a repeated group ("^(a+)+$", many an e-mail pattern) takes exponential time on
// a crafted string and would freeze every call of the server, so such a pattern is refused when the
// schema compiles. The others run in linear time (linear-regex.ts: "^.*a.*a.*a$" or "^(a|a)*$"
// backtrack too), but for lookarounds and backreferences; and a subject is tried only up to a
// length that keeps the polynomial cases of those short.

import { spend } from "./budget.ts";
import { linearRegExp, MAX_PROGRAM, TooLarge, Unsupported } from "./linear-regex.ts";

/** Longer strings do not match a pattern (the model is told to keep such values shorter). */
export const MAX_PATTERN_SUBJECT = 10_000;

interface Frame {
  /** The group holds a quantifier that repeats without bound. */
  repeats: boolean;
}

/** The reason `pattern` could backtrack exponentially, or null when it cannot nest repetitions. */
export function nestedRepetition(pattern: string): string | null {
  const stack: Frame[] = [{ repeats: false }];
  let lastGroup: Frame | null = null; // the group that just closed: a quantifier now repeats it
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    let closed: Frame | null = null;
    if (c === "\\") i++;
    else if (c === "[") {
      // A class is one atom: skip to its unescaped "]" (a "]" right after "[" or "[^" is literal).
      i += pattern[i + 1] === "^" ? 2 : 1;
      if (pattern[i] === "]") i++;
      while (i < pattern.length && pattern[i] !== "]") i += pattern[i] === "\\" ? 2 : 1;
    } else if (c === "(") stack.push({ repeats: false });
    else if (c === ")" && stack.length > 1) closed = stack.pop()!;
    else {
      const unbounded = c === "*" || c === "+" || (c === "{" && /^\{\d+,\}/.test(pattern.slice(i)));
      if (unbounded) {
        if (lastGroup?.repeats) {
          return `it repeats a group that itself repeats (at character ${i + 1})`;
        }
        stack.at(-1)!.repeats = true;
      }
    }
    if (closed?.repeats) stack.at(-1)!.repeats = true;
    lastGroup = closed;
  }
  return null;
}

/** The linear-time engine where it applies; JavaScript's own for lookarounds, backreferences
 * or other flags (their nested repetitions refused above, their subjects bounded). */
function linear(pattern: string, flags: string): { test(s: string): boolean } {
  const native = () => {
    const rx = new RegExp(pattern, flags);
    return { test: (s: string) => (spend(s.length), rx.test(s)) };
  };
  if (flags !== "u") return native();
  try {
    return linearRegExp(pattern, spend);
  } catch (e) {
    if (e instanceof Unsupported) return native();
    if (!(e instanceof TooLarge)) throw e;
    throw new Error(
      `the pattern ${
        JSON.stringify(pattern.slice(0, 100))
      } is too large to check (over ${MAX_PROGRAM} steps per character); use smaller counts than {n,m}`,
    );
  }
}

interface PatternEngine {
  (pattern: string, flags: string): { test(s: string): boolean; toString(): string };
  code: string;
}

/** ajv's `code.regExp`: refuses nested repetition, bounds the subject. */
export const safePattern: PatternEngine = Object.assign(
  (pattern: string, flags: string) => {
    const why = nestedRepetition(pattern);
    if (why) {
      throw new Error(
        `the pattern ${
          JSON.stringify(pattern.slice(0, 100))
        } could take exponential time: ${why}; write it without a repeated group that repeats inside, e.g. "^a+$" for "^(a+)+$"`,
      );
    }
    const rx = linear(pattern, flags);
    return {
      test: (s: string) => s.length <= MAX_PATTERN_SUBJECT && rx.test(s),
      // ajv keeps one tester per toString(): "[object Object]" made every pattern of the server's
      // schemas test with the first one compiled.
      toString: () => `/${pattern}/${flags}`,
    };
  },
  { code: "safePattern" }, // only used by ajv's standalone code, which the server never generates
);
