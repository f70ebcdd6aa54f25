// The verdict parser on real-looking validator answers: fenced, prose-wrapped, truncated, wrong
// shape. It never throws, and anything it cannot read is a failed (UNKNOWN) validation.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseVerdict } from "../../../src/plugins/types/verdict.ts";

const fence = "```";
const cases: [string, string, string, number, number][] = [
  // name, answer, verdict, score, number of issues
  ["bare JSON", '{"score": 1, "verdict": "VALID", "issues": []}', "VALID", 1, 0],
  [
    "fenced json",
    `${fence}json\n{"score": 0.5, "verdict": "PARTIAL", "issues": [{"criterion": "risks", "problem": "only 2"}]}\n${fence}`,
    "PARTIAL",
    0.5,
    1,
  ],
  [
    "prose around a fence",
    `Here is my judgement.\n${fence}\n{"score": 0, "issues": [{"criterion": "format", "problem": "not a report"}]}\n${fence}\nHope this helps {really}.`,
    "INVALID",
    0,
    1,
  ],
  ["score decides the verdict", '{"score": 0.96, "issues": []}', "VALID", 0.96, 0],
  ["just below the bar", '{"score": 0.949, "verdict": "VALID"}', "PARTIAL", 0.949, 0],
  ["a stricter stated verdict wins", '{"score": 1, "verdict": "INVALID"}', "INVALID", 1, 0],
  ["verdict only", 'Result: {"verdict": "valid", "issues": "none really"}', "VALID", 1, 1],
  ["score as a string, clamped", '{"score": "7", "issues": ["too long"]}', "VALID", 1, 1],
  ["negative score clamped", '{"score": -2}', "INVALID", 0, 0],
  [
    "braces inside strings",
    '{"score": 0.5, "issues": [{"criterion": "x", "problem": "has } and {"}]}',
    "PARTIAL",
    0.5,
    1,
  ],
  [
    "skips an earlier object without a score",
    'Example {"a": 1} then {"score": 0.3}',
    "PARTIAL",
    0.3,
    0,
  ],
  ["truncated JSON", '{"score": 0.9, "issues": [{"criterion": "ri', "UNKNOWN", 0, 1],
  ["the reference's crash: VALID: prose", "VALID: everything is fine", "UNKNOWN", 0, 1],
  ["VALIDATION heading", "VALIDATION\nlooks good", "UNKNOWN", 0, 1],
  ["empty", "   ", "UNKNOWN", 0, 1],
  ["wrong shape: array", '[{"score": 1}]', "VALID", 1, 0],
  ["wrong shape: unknown verdict, no score", '{"verdict": "GREAT"}', "UNKNOWN", 0, 1],
  ["wrong shape: score is an object", '{"score": {"value": 1}}', "UNKNOWN", 0, 1],
  ["NaN-ish score", '{"score": "high"}', "UNKNOWN", 0, 1],
];

describe("parseVerdict", () => {
  for (const [name, answer, verdict, score, issues] of cases) {
    it(name, () => {
      const v = parseVerdict(answer);
      assert.equal(v.verdict, verdict, JSON.stringify(v));
      assert.equal(v.score, score);
      assert.equal(v.issues.length, issues, JSON.stringify(v.issues));
      for (const i of v.issues) {
        assert.equal(typeof i.criterion, "string");
        assert.equal(typeof i.problem, "string");
      }
    });
  }

  it("says why an unreadable answer failed", () => {
    assert.match(parseVerdict("VALID: fine").issues[0]!.problem, /no JSON object with a score/);
  });

  it("bounds hostile answers: a huge one, many issues, deep nesting", () => {
    const many = JSON.stringify({ score: 0.1, issues: Array(100).fill("x".repeat(1000)) });
    const v = parseVerdict(many);
    assert.equal(v.issues.length, 50);
    assert.equal(v.issues[0]!.problem.length, 500);
    const t0 = Date.now();
    assert.equal(parseVerdict("{".repeat(200_000)).verdict, "UNKNOWN");
    assert.equal(parseVerdict('{"a":'.repeat(50_000)).verdict, "UNKNOWN");
    assert.ok(Date.now() - t0 < 5000, "parsing hostile answers took too long");
  });
});
