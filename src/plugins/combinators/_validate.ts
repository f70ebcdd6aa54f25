// Validation through the types plugin's `validate` tool (called with ctx.call, never imported), for
// retry's declared_type and for filter. That plugin owns the `validated` stamp and writes it.
import type { Core, ToolContext } from "../../core/types.ts";
import { abortable } from "./_tasks.ts";

export interface Verdict {
  ok: boolean;
  verdict: string;
  score: number | null;
  issues: string[];
  /** The validator's own ref, when the validate tool reports one. */
  validation_ref: string | null;
}

/** Fail clearly, before any agent starts, when there is no validate tool to call. */
export function requireValidate(core: Core, who: string): void {
  if (core.tools.has("validate")) return;
  core.fail(
    "NOT_FOUND",
    `Cannot use "declared_type" in ${who}: ${who} needs the types plugin, and no "validate" tool is loaded; add "builtin:types" to the manifest${
      who === "retry" ? ", or call retry without declared_type" : ""
    }`,
  );
}

function refOf(x: unknown): string | null {
  if (typeof x === "string" && /^[0-9a-f]{12}\/[A-Za-z0-9._-]{1,64}$/.test(x)) return x;
  if (x && typeof x === "object" && typeof (x as { ref?: unknown }).ref === "string") {
    return refOf((x as { ref: string }).ref);
  }
  return null;
}

/** Validate one ref as declared_type; `signal` stops waiting (the run was cancelled). */
export async function validateRef(
  ctx: ToolContext,
  signal: AbortSignal,
  ref: string,
  declaredType: string,
  extra: Record<string, unknown> = {},
): Promise<Verdict> {
  // A nested call joins this run and returns its result, never {status: "running"}.
  const out = (await abortable(
    ctx.call("validate", { artifact: { ref }, declared_type: declaredType, ...extra }, {
      signal,
    }),
    signal,
  )) as Record<string, unknown> | null;
  const verdict = String(out?.verdict ?? (out?.valid === true ? "VALID" : "UNKNOWN")).toUpperCase();
  const raw = out?.issues;
  const issues = Array.isArray(raw)
    ? raw.map((i) =>
      typeof i === "string" ? i : typeof i?.problem === "string" // the types plugin's {criterion, problem}
        ? `${i.criterion ? `${i.criterion}: ` : ""}${i.problem}`
        : JSON.stringify(i)
    )
    : typeof raw === "string" && raw
    ? [raw]
    : [];
  const score = typeof out?.score === "number" ? out.score : null;
  return {
    ok: verdict === "VALID",
    verdict,
    score,
    issues: issues.slice(0, 20).map((i) => i.slice(0, 500)),
    validation_ref: refOf(out?.validation_ref) ?? refOf(out?.ref) ?? refOf(out?.result),
  };
}

/** One line for a prompt or an error message. */
export function describeVerdict(v: Verdict): string {
  return `Type validation failed (${v.verdict}${v.score !== null ? `, score ${v.score}` : ""})${
    v.issues.length ? `: ${v.issues.join("; ")}` : ""
  }`;
}
