// The live tail of an agent: the end of its stream (the container writes it, so it is read through
// core.refs without following links and only its last bytes), turned into short items to show.
import type { Core } from "../../core/types.ts";

export interface TailItem {
  kind: "text" | "tool" | "result" | "line";
  text: string;
}

const TAIL_BYTES = 128 * 1024;
const ITEM_CHARS = 2000;
const MAX_ITEMS = 80;

const clip = (s: string) => (s.length > ITEM_CHARS ? s.slice(0, ITEM_CHARS) + "…" : s);

/** One stream line → the items it shows: a claude stream-json line, or a command's plain output. */
function itemsOf(line: string): TailItem[] {
  let j: { type?: string; message?: { content?: unknown }; result?: unknown; is_error?: boolean };
  try {
    j = JSON.parse(line);
  } catch {
    return line.trim() ? [{ kind: "line", text: clip(line) }] : [];
  }
  if (j?.type === "result") {
    return [{ kind: "result", text: clip(`${j.is_error ? "error: " : ""}${j.result ?? ""}`) }];
  }
  if (j?.type !== "assistant" || !Array.isArray(j.message?.content)) return [];
  const out: TailItem[] = [];
  for (
    const b of j.message.content as {
      type?: string;
      text?: unknown;
      name?: unknown;
      input?: unknown;
    }[]
  ) {
    if (b?.type === "text" && typeof b.text === "string") {
      out.push({ kind: "text", text: clip(b.text) });
    }
    if (b?.type === "tool_use") {
      out.push({ kind: "tool", text: clip(`${String(b.name)} ${JSON.stringify(b.input ?? {})}`) });
    }
  }
  return out;
}

export interface TailSnapshot {
  size: number;
  items: TailItem[];
  /** "encrypted", "a symbolic link"…: why the stream is not shown. */
  skipped?: string;
}

/** The last items of the stream; an encrypted ref's stream reads as "(encrypted)", never its text. */
export async function tailOf(core: Core, ref: string): Promise<TailSnapshot> {
  const r = await core.refs.read(ref, "stream", {
    maxBytes: TAIL_BYTES,
    fromEnd: true,
    display: true,
  });
  if (r.skipped) return { size: r.size, items: [], skipped: r.skipped };
  const lines = r.text.split("\n");
  if (r.truncated) lines.shift(); // cut in the middle
  return { size: r.size, items: lines.flatMap(itemsOf).slice(-MAX_ITEMS) };
}
