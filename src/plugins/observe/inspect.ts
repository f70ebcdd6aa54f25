// inspect: a post-mortem report of one agent (inspect.md): metadata, the start of its output,
// the tools it called (from stream.jsonl), its traced artifacts and its files. Everything here but
// result.json was written by the agent: core.refs reads it without following links, each read
// bounded, and shows an encrypted ref's output as "(encrypted)".
import type { Core, LineStats, RefPart, RefReadOptions, Tool } from "../../core/types.ts";

const MAX_STREAM = 256 << 20;

async function toolCalls(
  core: Core,
  ref: string,
): Promise<{ names: string[]; count: number; stats: LineStats }> {
  const names: string[] = [];
  let count = 0;
  const stats: LineStats = { bytes: 0, longLines: 0, truncated: false };
  const opts = { maxBytes: MAX_STREAM, maxLine: 1 << 20, display: true, stats };
  for await (const line of core.refs.lines(ref, "stream", opts)) {
    if (!line.includes('"tool_use"')) continue;
    try {
      for (
        const b of JSON.parse(line)?.message?.content ?? []
      ) if (b?.type === "tool_use" && count++ < 1000) names.push(String(b.name).slice(0, 200));
    } catch { /* not JSON: a command agent's plain output */ }
  }
  return { names, count, stats };
}

/** What a bounded read left out, for the report: "", or " (…)". */
function note(r: { skipped?: string; truncated: boolean }, what: string): string {
  return r.skipped && r.skipped !== "missing"
    ? ` (skipped: ${what} is ${r.skipped})`
    : r.truncated
    ? ` (truncated: ${what} is over the limit)`
    : "";
}

export function inspect(core: Core): Tool {
  const { v } = core;
  return {
    name: "inspect",
    description:
      "Write a debug report for a ref to inspect.md (status, error, cost, start of output, tool calls, artifacts, files left) and return {ref, file, tool_calls, has_partial_output}: for an agent that failed or timed out.",
    annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: false },
    input: v.object({
      ref: v.pipe(
        v.union([v.string(), v.object({ ref: v.string() })]),
        v.description('The ref: "<run_id>/<agent_id>" or a ref object'),
      ),
    }),
    async run({ ref }) {
      const rec = await core.refs.get(ref);
      const read = (part: RefPart, o: RefReadOptions) =>
        core.refs.read(rec.ref, part, { display: true, ...o });
      const text = (await read("text", { maxBytes: 8192 })).text.slice(0, 2000);
      const { names: calls, count, stats } = await toolCalls(core, rec.ref);
      const artifacts = await read("artifacts", { maxBytes: 64 * 1024 });
      const files = await read("workspace", { maxEntries: 200 });
      const stderr = await read("stderr", { maxBytes: 2000, fromEnd: true });
      const streamNote = stats.skipped && stats.skipped !== "missing"
        ? ` (skipped: stream.jsonl is ${stats.skipped})`
        : stats.truncated
        ? ` (read the first ${MAX_STREAM >> 20} MB of stream.jsonl)`
        : "";
      const report = [
        `# Inspect ${rec.ref}`,
        "",
        `- status: ${rec.status} (exit ${rec.exit_code})`,
        `- error: ${rec.error ?? "none"}`,
        `- model: ${rec.model ?? "-"}  cost: ${rec.cost_usd ?? "-"}  turns: ${
          rec.num_turns ?? "-"
        }  duration: ${rec.duration_seconds}s`,
        `- session: ${rec.session_id ?? "-"}  parents: ${rec.parents.join(", ") || "none"}`,
        "",
        "## Output (first 2000 characters)",
        "",
        text || "(empty)",
        "",
        `## Tool calls (${count})${streamNote}`,
        "",
        calls.map((c, i) => `${i + 1}. ${c}`).join("\n") || "(none)",
        "",
        `## Artifacts${note(artifacts, "artifacts.jsonl")}`,
        "",
        artifacts.text.trim().split("\n").filter(Boolean).slice(0, 50).join("\n") || "(none)",
        "",
        `## Workspace files${
          files.skipped && files.skipped !== "missing"
            ? ` (skipped: the workspace is ${files.skipped})`
            : files.truncated
            ? " (truncated: first 200 entries, 8 levels)"
            : ""
        }`,
        "",
        files.text || "(none)",
        "",
        `## stderr (last 2000 bytes)${note({ ...stderr, truncated: false }, "stderr.log")}`,
        "",
        stderr.text || "(empty)",
        "",
      ].join("\n");
      const file = await core.refs.writeReport(rec.ref, "inspect", report);
      return {
        ref: rec.ref,
        file,
        tool_calls: count,
        has_partial_output: rec.status !== "ok" && (stats.bytes > 0 || rec.size > 0),
      };
    },
  };
}
