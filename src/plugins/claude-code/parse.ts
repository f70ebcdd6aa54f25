// Reading a `claude --print --output-format stream-json --verbose` transcript. Facts it relies on
// (claude 2.1.330, test/fixtures/model-server/README.md): one JSON object a line; the first line
// is {type:"system",subtype:"init",model,session_id}; each assistant content block comes as its
// own {type:"assistant"} line; the last line is {type:"result"}. An API error result has
// subtype "success" with is_error true, so both fields must be checked.
import type { CoreFs, Json } from "../../core/types.ts";

export interface ResultLine {
  type: "result";
  subtype?: string;
  is_error?: boolean;
  result?: string;
  errors?: string[];
  total_cost_usd?: number;
  session_id?: string;
  num_turns?: number;
  usage?: Json;
  modelUsage?: Record<string, Json>;
  structured_output?: Json;
  terminal_reason?: string;
  api_error_status?: number | null;
}

export interface StreamSummary {
  model: string | null;
  session_id: string | null;
  /** Text of the main agent's assistant messages, for timeouts and missing results. */
  partial: string;
  result: ResultLine | null;
  lines: number;
}

/** Partial text is a fallback: keep enough to be useful without holding a runaway transcript. */
const MAX_PARTIAL_CHARS = 1_000_000;
/** A result line carries the whole output (readText's limit is 64 MB); the whole stream is capped too. */
const STREAM_LIMITS = { maxBytes: 1 << 30, maxLine: 64 << 20 };

type Line = {
  type?: string;
  subtype?: string;
  model?: string;
  session_id?: string;
  parent_tool_use_id?: string | null;
  message?: { content?: unknown };
};

/** Stream the file line by line: transcripts can be large (tool results carry whole files). The
 * container wrote it: a link or FIFO in its place reads as empty, and reading stops at the limits. */
export async function readStream(
  fs: Pick<CoreFs, "linesNoFollow">,
  file: string,
  limits = STREAM_LIMITS,
): Promise<StreamSummary> {
  const summary: StreamSummary = {
    model: null,
    session_id: null,
    partial: "",
    result: null,
    lines: 0,
  };
  const parts: string[] = [];
  let partialChars = 0;
  for await (
    const text of fs.linesNoFollow(file, limits, { bytes: 0, longLines: 0, truncated: false })
  ) {
    const raw = text.endsWith("\r") ? text.slice(0, -1) : text;
    summary.lines++;
    // Tool results (type "user") are the bulk of a transcript and never needed here.
    if (raw.startsWith('{"type":"user"')) continue;
    let line: Line;
    try {
      line = JSON.parse(raw) as Line;
    } catch {
      continue; // a line cut short by a kill, or stray output
    }
    if (!line || typeof line !== "object") continue;
    if (line.type === "system" && line.subtype === "init") {
      summary.model ??= typeof line.model === "string" ? line.model : null;
      summary.session_id ??= typeof line.session_id === "string" ? line.session_id : null;
    } else if (line.type === "assistant" && !line.parent_tool_use_id) {
      for (const text of textBlocks(line.message?.content)) {
        if (partialChars >= MAX_PARTIAL_CHARS) break;
        parts.push(text);
        partialChars += text.length;
      }
    } else if (line.type === "result") {
      summary.result = line as ResultLine; // the last one wins
    }
  }
  summary.partial = parts.join("\n\n").slice(0, MAX_PARTIAL_CHARS);
  return summary;
}

function textBlocks(content: unknown): string[] {
  if (typeof content === "string") return [content];
  if (!Array.isArray(content)) return [];
  return content
    .filter((b): b is { type: "text"; text: string } =>
      b?.type === "text" && typeof b.text === "string" && b.text !== ""
    )
    .map((b) => b.text);
}

/** The CLI's own words for a failed result: `result`, else `errors`, else the subtype. */
export function resultError(r: ResultLine): string {
  const words = (typeof r.result === "string" && r.result.trim()) ||
    (Array.isArray(r.errors) && r.errors.join("; ")) || "";
  const kind = r.subtype && r.subtype !== "success" ? r.subtype : r.terminal_reason ?? "error";
  return `Claude Code failed (${kind}): ${words || "no message"}`.slice(0, 800);
}
