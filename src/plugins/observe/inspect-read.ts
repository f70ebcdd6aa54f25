// What inspect reads of an agent's transcript and artifacts log. Both are agent-written: core.refs
// reads them without following links and within limits, every line is parsed on its own (a bad
// line is skipped), and every piece of text is cut to one short line before it reaches the report.
import type { Core, LineStats } from "../../core/types.ts";

const MAX_STREAM = 256 << 20;
const MAX_CALLS = 1000;
const MAX_THINKING = 5;

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);

/** One line of at most n characters: control characters and runs of spaces become one space. */
export function oneLine(text: unknown, n: number): string {
  // deno-lint-ignore no-control-regex
  const s = String(text ?? "").replace(/[\u0000-\u001f\u007f\s]+/g, " ").trim();
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** A tool call as a person reads it: "Write /workspace/a.txt", "Bash npm test", else its input. */
export function callLine(name: unknown, input: unknown): string {
  const i = isObj(input) ? input : {};
  const main = i.file_path ?? i.command ?? i.pattern ?? i.path ?? i.url;
  const what = typeof main === "string" ? main : JSON.stringify(input ?? {});
  return `${oneLine(name, 100)} ${oneLine(what, 160)}`;
}

export interface StreamFindings {
  calls: string[];
  count: number;
  thinking: string[];
  stats: LineStats;
}

/** The tool calls (name and input) and the first thinking blocks of the transcript. */
export async function readStreamFindings(core: Core, ref: string): Promise<StreamFindings> {
  const found: StreamFindings = {
    calls: [],
    count: 0,
    thinking: [],
    stats: { bytes: 0, longLines: 0, truncated: false },
  };
  const opts = { maxBytes: MAX_STREAM, maxLine: 1 << 20, display: true, stats: found.stats };
  for await (const line of core.refs.lines(ref, "stream", opts)) {
    if (!line.includes('"tool_use"') && !line.includes('"thinking"')) continue;
    let content: unknown;
    try {
      content = JSON.parse(line)?.message?.content;
    } catch {
      continue; // not JSON: a command agent's plain output
    }
    for (const b of Array.isArray(content) ? content : []) {
      if (b?.type === "tool_use" && found.count++ < MAX_CALLS) {
        found.calls.push(callLine(b.name, b.input));
      } else if (b?.type === "thinking" && found.thinking.length < MAX_THINKING && b.thinking) {
        found.thinking.push(oneLine(b.thinking, 500));
      }
    }
  }
  return found;
}

/** The artifacts log as lines "time tool input" (the reference's fields, or the hook's own names
 * from logs written before), at most 50. */
export async function readArtifacts(
  core: Core,
  ref: string,
): Promise<{ lines: string[]; stats: LineStats }> {
  const stats: LineStats = { bytes: 0, longLines: 0, truncated: false };
  const lines: string[] = [];
  const opts = { maxBytes: 4 << 20, maxLine: 1 << 20, display: true, stats };
  for await (const line of core.refs.lines(ref, "artifacts", opts)) {
    if (lines.length >= 50) break;
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isObj(e)) continue;
    const time = typeof e.timestamp === "string" ? `${oneLine(e.timestamp, 40)} ` : "";
    lines.push(`${time}${callLine(e.tool ?? e.tool_name, e.input ?? e.tool_input)}`);
  }
  return { lines, stats };
}
