// The text block of a tool result: a short summary for people and for clients that ignore
// structuredContent (which carries the whole object, once). It names what such a client needs to
// act: ref ids, statuses, costs, errors, run ids and files; one line per ref, however many.
type Obj = Record<string, unknown>;

/** Nested strings (errors, names) are cut here. */
const MAX_STRING = 300;
/** A top-level string is often the payload (a type's definition, resolved text): kept up to this,
 * newlines and all, so a text-only client can still use it. */
const MAX_TEXT = 4000;
/** Other nested values are shown as compact JSON up to this many characters. */
const MAX_JSON = 200;
/** Items (refs, runs) listed one per line; beyond that, a count (structuredContent has them all). */
const MAX_ITEM_LINES = 1000;

const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);
const isRef = (x: unknown): x is Obj => isObj(x) && typeof x.ref === "string" && "status" in x;
const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);
const oneLine = (s: string) => s.replace(/\s+/g, " ");

function scalar(x: unknown): string {
  return typeof x === "string" ? cut(oneLine(x), MAX_STRING) : JSON.stringify(x);
}

/** "a1b2c3d4e5f6/agent-0 ok $0.0123 4.5s: error…" */
export function refLine(r: Obj): string {
  const cost = typeof r.cost_usd === "number" ? ` $${r.cost_usd}` : "";
  const secs = typeof r.duration_seconds === "number" ? ` ${r.duration_seconds}s` : "";
  const error = typeof r.error === "string" && r.error ? `: ${cut(oneLine(r.error), 200)}` : "";
  return `${r.ref} ${r.status}${cost}${secs}${error}`;
}

/** One line per item: a ref's line, or an object as compact JSON (a run, a type entry). */
function itemList(key: string, items: Obj[]): string[] {
  const lines = [`${key} (${items.length}):`];
  for (const r of items.slice(0, MAX_ITEM_LINES)) {
    lines.push(`  ${isRef(r) ? refLine(r) : cut(JSON.stringify(r), MAX_JSON)}`);
  }
  if (items.length > MAX_ITEM_LINES) lines.push(`  … ${items.length - MAX_ITEM_LINES} more`);
  return lines;
}

function field(key: string, x: unknown): string[] {
  if (isRef(x)) return [`${key}: ${refLine(x)}`];
  if (Array.isArray(x) && x.length > 0 && x.every(isObj)) return itemList(key, x);
  if (Array.isArray(x) && x.every((e) => !isObj(e) && !Array.isArray(e))) {
    return [`${key}: ${cut(x.map(scalar).join(", "), MAX_STRING) || "(none)"}`];
  }
  if (isObj(x) || Array.isArray(x)) return [`${key}: ${cut(JSON.stringify(x), MAX_JSON)}`];
  if (typeof x !== "string") return [`${key}: ${scalar(x)}`];
  const text = x.length > MAX_TEXT ? `${x.slice(0, MAX_TEXT)}… (${x.length} characters)` : x;
  return [text.includes("\n") ? `${key}:\n${text}` : `${key}: ${text}`];
}

/** The text for a result object: a ref's line first when it is one, then one line per field
 * (lists of refs one line per ref). */
export function summarize(value: Obj): string {
  const lines: string[] = [];
  const skip = new Set<string>();
  if (isRef(value)) {
    lines.push(refLine(value));
    for (const k of ["ref", "status", "cost_usd", "duration_seconds", "error"]) skip.add(k);
    // The ref's bookkeeping stays in structuredContent: the line above says what matters.
    for (const k of ["run_id", "agent_id", "session_id", "content_hash", "exit_code"]) skip.add(k);
  }
  for (const [k, x] of Object.entries(value)) {
    if (!skip.has(k) && x !== undefined) lines.push(...field(k, x));
  }
  return lines.join("\n");
}
