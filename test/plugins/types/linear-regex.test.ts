// The linear-time pattern engine: the same answers as JavaScript's RegExp (u mode) on a corpus of
// patterns and many subjects, and bounded time where JavaScript's engine backtracks for minutes.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  linearRegExp,
  MAX_PROGRAM,
  TooLarge,
  Unsupported,
} from "../../../src/plugins/types/linear-regex.ts";

const PATTERNS = [
  "^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$",
  "^\\d{3}-\\d{4}$",
  "^(foo|bar)+$",
  "^(a|ab)(c|bcd)(d*)$",
  "ab|cd|",
  "a.c",
  "^$",
  "",
  "^[^]$",
  "[]",
  "^\\bword\\b",
  "\\Bx\\B",
  "^(?:[A-Z][a-z]*\\s?){1,3}$",
  "^\\p{Lu}\\p{Ll}+$",
  "^[\\u{1F600}-\\u{1F64F}]+$",
  "^\\u0041\\x42\\cJ?$",
  "^(?<year>\\d{4})-(?<month>\\d{2})$",
  "colou?r",
  "^a{2,4}b{0,}c{3}$",
  "^(a?){3}a{3}$",
  "^[\\d\\s\\]-]+$",
  "^[^\\w\\s]$",
  "(x|y)*z",
  "^.*a.*b.*c$",
  "^https?://[^/\\s]+(/.*)?$",
  "\\.",
  "^[\\-+]?\\d+(\\.\\d+)?([eE][+-]?\\d+)?$",
  "^(a|a)*$",
  "^(a+){1,4}$",
  "😀+",
];
const SUBJECTS = [
  "",
  "a",
  "aa",
  "aaa",
  "aaaa",
  "aaaaaab",
  "abc",
  "abcd",
  "acd",
  "abbcd",
  "xxyyz",
  "foo",
  "foobarfoo",
  "fo",
  "555-1234",
  "55-1234",
  "user.name+tag@example.com",
  "bad@",
  "word here",
  "sword",
  "axb",
  "a\nc",
  "Hello World Now",
  "Hello",
  "hello",
  "Élan",
  "😀😃",
  "😀x",
  "2024-05",
  "color",
  "colour",
  "aabbbccc",
  "aacc",
  "12 3]-4",
  "!",
  "!!",
  "https://example.com/x y",
  "http://h",
  "-1.5e+10",
  "+7",
  "1.",
  "AB\n",
  "AB",
  "aaXbbYcc",
];

/** A deterministic stream of subjects drawn from characters that matter to the patterns. */
function* randomSubjects(n: number) {
  const alphabet = ["a", "b", "c", "d", "x", "y", "z", "A", "1", "-", " ", "\n", ".", "@", "😀"];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let k = 0; k < n; k++) {
    let s = "";
    for (let len = next() % 9; len > 0; len--) s += alphabet[next() % alphabet.length];
    yield s;
  }
}

describe("linear-time patterns", () => {
  it("answer as JavaScript's RegExp does, on every pattern and subject", () => {
    const subjects = [...SUBJECTS, ...randomSubjects(400)];
    for (const p of PATTERNS) {
      const native = new RegExp(p, "u");
      const linear = linearRegExp(p);
      for (const s of subjects) {
        assert.equal(
          linear.test(s),
          native.test(s),
          `${JSON.stringify(p)} on ${JSON.stringify(s)}`,
        );
      }
    }
  });

  it("take linear time where JavaScript's engine backtracks for minutes", () => {
    const cases: [string, string][] = [
      ["^.*a.*a.*a.*a$", "a".repeat(10_000) + "b"],
      ["^(a|a)*$", "a".repeat(10_000) + "!"],
      ["^(a+){1,40}$", "a".repeat(10_000) + "!"],
      ["^(a{1,30}){1,30}$", "a".repeat(1_000) + "!"],
      ["^a*a*a*a*a*a*a*a*$", "a".repeat(10_000) + "!"],
      ["^(\\s*\\w+\\s*,)*$", "a ".repeat(5_000) + "!"],
    ];
    for (const [p, s] of cases) {
      const t0 = Date.now();
      assert.equal(linearRegExp(p).test(s), false, p);
      assert.ok(Date.now() - t0 < 2000, `${p}: ${Date.now() - t0} ms`);
    }
  });

  it("leaves lookarounds and backreferences to the caller, and refuses huge counts", () => {
    for (const p of ["(?=a)a", "(?!a)b", "(?<=a)b", "(?<!a)b", "(a)\\1", "(?<n>a)\\k<n>"]) {
      assert.throws(() => linearRegExp(p), Unsupported, p);
    }
    for (const p of [`a{${MAX_PROGRAM + 1}}`, "(?:){999999999}", "[a-z]{1,4000}[0-9]{1,4000}"]) {
      assert.throws(() => linearRegExp(p), TooLarge, p);
    }
    assert.throws(() => linearRegExp("(a"), SyntaxError);
  });
});
