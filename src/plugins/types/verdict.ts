// The validator's answer → a verdict. Models wrap JSON in fences and prose, stop mid-object, or
// answer in another shape: every such answer is a clear failed validation, never a crash (the
// reference's line-scanning fallback raised KeyError on "VALID: …").

export type VerdictName = "VALID" | "PARTIAL" | "INVALID" | "UNKNOWN";
export interface Issue {
  criterion: string;
  problem: string;
}
export interface ParsedVerdict {
  verdict: VerdictName;
  score: number;
  issues: Issue[];
}

export const VALID_SCORE = 0.95;
const MAX_ISSUES = 50;
const MAX_ISSUE_CHARS = 500;
const MAX_SCANNED = 256 * 1024;
const MAX_CANDIDATES = 64;
const RANK: Record<VerdictName, number> = { UNKNOWN: 0, INVALID: 1, PARTIAL: 2, VALID: 3 };
const FROM_VERDICT: Record<string, number> = { VALID: 1, PARTIAL: 0.5, INVALID: 0 };

export function verdictFor(score: number): VerdictName {
  return score >= VALID_SCORE ? "VALID" : score > 0 ? "PARTIAL" : "INVALID";
}

function malformed(why: string): ParsedVerdict {
  return {
    verdict: "UNKNOWN",
    score: 0,
    issues: [{
      criterion: "validator answer",
      problem: `${why}; the artifact counts as not valid`,
    }],
  };
}

/** Where the JSON may be, in order: fenced blocks, the first `{` to the last `}` (the reference's
 * rule), then each outermost balanced `{…}` (one linear pass, braces inside strings skipped). */
function* candidates(text: string): Generator<string> {
  for (const m of text.matchAll(/```(?:json)?\s*\n([\s\S]*?)```/g)) yield m[1]!;
  const first = text.indexOf("{");
  if (first < 0) return;
  yield text.slice(first, text.lastIndexOf("}") + 1);
  let depth = 0;
  let inString = false;
  let open = 0;
  let found = 0;
  for (let i = first; i < text.length && found < MAX_CANDIDATES; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"' && depth > 0) inString = true;
    else if (c === "{" && depth++ === 0) open = i;
    else if (c === "}" && depth > 0 && --depth === 0) {
      found++;
      yield text.slice(open, i + 1);
    }
  }
}

const clip = (x: unknown) =>
  (typeof x === "string" ? x : JSON.stringify(x) ?? "").slice(0, MAX_ISSUE_CHARS);

function issuesOf(raw: unknown): Issue[] {
  const list = Array.isArray(raw)
    ? raw
    : raw === undefined || raw === null || raw === ""
    ? []
    : [raw];
  return list.slice(0, MAX_ISSUES).map((i) => {
    if (i && typeof i === "object" && !Array.isArray(i)) {
      const o = i as Record<string, unknown>;
      return {
        criterion: clip(o.criterion ?? ""),
        problem: clip(o.problem ?? o.issue ?? o.message ?? i),
      };
    }
    return { criterion: "", problem: clip(i) };
  });
}

/** Read the validator's answer: the first JSON object with a score or a verdict wins. */
export function parseVerdict(answer: string): ParsedVerdict {
  const text = answer.slice(0, MAX_SCANNED);
  if (text.trim() === "") return malformed("the validator gave an empty answer");
  for (const candidate of candidates(text)) {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(candidate);
    } catch {
      continue;
    }
    if (!o || typeof o !== "object" || Array.isArray(o)) continue;
    const stated = typeof o.verdict === "string" ? o.verdict.trim().toUpperCase() : undefined;
    const raw = typeof o.score === "string" && o.score.trim() !== "" ? Number(o.score) : o.score;
    const hasScore = typeof raw === "number" && Number.isFinite(raw);
    if (!hasScore && !(stated && stated in FROM_VERDICT)) continue;
    const score = Math.min(1, Math.max(0, hasScore ? raw : FROM_VERDICT[stated!]!));
    // The score decides; a stated verdict may only make it stricter, never promote it.
    let verdict = verdictFor(score);
    if (stated && stated in FROM_VERDICT && RANK[stated as VerdictName] < RANK[verdict]) {
      verdict = stated as VerdictName;
    }
    return { verdict, score, issues: issuesOf(o.issues) };
  }
  return malformed(
    `the validator's answer holds no JSON object with a score (${
      JSON.stringify(text.trim().slice(0, 120))
    })`,
  );
}

/** One line per issue, for stamps, prompts and messages. */
export function issueText(i: Issue): string {
  return i.criterion ? `${i.criterion}: ${i.problem}` : i.problem;
}
