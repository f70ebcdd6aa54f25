// Patterns of a caller's output_schema run in the server against what an agent wrote: a pattern that
// nests repetitions (exponential backtracking) is refused when the schema compiles, and a subject is
// tried only up to MAX_PATTERN_SUBJECT characters.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHarness, type Harness } from "../../helpers/harness.ts";
import { MAX_PATTERN_SUBJECT, nestedRepetition } from "../../../src/plugins/types/safe-pattern.ts";

const REFUSED = [
  "^(a+)+$",
  "(a*)*",
  "^([a-zA-Z0-9._-]+)*@example\\.com$",
  "(?:x|y+)+",
  "((ab)+c)+",
  "(a+){2,}",
  "^(\\w+\\s?)*$",
];
const ALLOWED = [
  "^a+$",
  "^[a-z(]+$",
  "^[)]+$",
  "\\(a+\\)+",
  "(ab)+",
  "(a|b)*",
  "^\\d{3}-\\d{4}$",
  "(a+)?",
  "(a+){2}",
  "^[^\\]]+(x)+$",
];

describe("output_schema patterns", () => {
  for (const p of REFUSED) {
    it(`refuses ${JSON.stringify(p)}: it nests repetitions`, () => {
      assert.match(nestedRepetition(p) ?? "", /repeats a group that itself repeats/);
    });
  }
  for (const p of ALLOWED) {
    it(`allows ${JSON.stringify(p)}`, () => assert.equal(nestedRepetition(p), null));
  }

  describe("through check_schema", () => {
    let h: Harness;
    before(async () => (h = await createHarness()));
    after(async () => await h?.dispose());

    it("a nested-repetition pattern is refused at compile, naming the pattern and a rewrite", async () => {
      const schema = { type: "string", pattern: "^(a+)+$" };
      const r = await h.call("check_schema", { schema, value: "a!" });
      assert.equal(r.data.code, "INVALID_INPUT", r.text);
      assert.match(r.text, /"\^\(a\+\)\+\$" could take exponential time/);
      const props = { type: "object", patternProperties: { "^(x+)+$": { type: "string" } } };
      const p = await h.call("check_schema", { schema: props, value: {} });
      assert.equal(p.data.code, "INVALID_INPUT", p.text);
    });

    it(`a string longer than ${MAX_PATTERN_SUBJECT} characters does not match a pattern`, async () => {
      const schema = { type: "string", pattern: "^a+$" };
      const fits = await h.call("check_schema", { schema, value: "a".repeat(MAX_PATTERN_SUBJECT) });
      assert.deepEqual(fits.data, { valid: true, errors: [] });
      const long = await h.call("check_schema", {
        schema,
        value: "a".repeat(MAX_PATTERN_SUBJECT + 1),
      });
      assert.equal(long.data.valid, false, long.text);
    });
  });
});
