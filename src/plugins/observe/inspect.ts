// inspect: a post-mortem report of one agent (inspect.md). Its first line says how the agent ended
// and why, in one line; then metadata, the start of its output, its first thinking, the tools it
// called (from stream.jsonl), its artifacts log, and the files it left in its workspace and in
// out/ (/output). Everything here but result.json was written by the agent: core.refs reads it
// without following links, each read bounded, and shows an encrypted ref's output as "(encrypted)".
import type { Core, RefContent, RefPart, RefReadOptions, Tool } from "../../core/types.ts";
import { oneLine, readArtifacts, readStreamFindings } from "./inspect-read.ts";

const MAX_FILES = 200;

/** What a bounded read left out, for the report: "", or " (…)". */
function note(r: { skipped?: string; truncated: boolean }, what: string): string {
  return r.skipped && r.skipped !== "missing"
    ? ` (skipped: ${what} is ${r.skipped})`
    : r.truncated
    ? ` (truncated: ${what} is over the limit)`
    : "";
}

function listing(title: string, dir: string, r: RefContent): string[] {
  const cut = r.truncated ? ` (truncated: first ${MAX_FILES} entries, 8 levels)` : "";
  const skipped = r.skipped && r.skipped !== "missing" ? ` (skipped: ${dir} is ${r.skipped})` : "";
  return [`## ${title}${skipped || cut}`, "", r.text || "(none)", ""];
}

/** Why the agent ended as it did, in one line: its error, else the last line of its stderr. */
export function causeOf(
  rec: { status: string; exit_code: number; error: string | null },
  stderr: string,
): string {
  if (rec.status === "ok") return "ok";
  const last = stderr.split("\n").map((l) => l.trim()).filter(Boolean).at(-1);
  const why = rec.error ?? (last ? `stderr: ${last}` : `exit code ${rec.exit_code}`);
  return `${rec.status}: ${oneLine(why, 300)}`;
}

export function inspect(core: Core): Tool {
  const { v } = core;
  return {
    name: "inspect",
    description:
      "Write a debug report for a ref to inspect.md (first line: why it failed; then error, cost, output start, thinking, tool calls, artifacts, files left) and return {ref, file, cause, tool_calls, has_partial_output}: for an agent that failed or timed out.",
    annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: false },
    output: {
      type: "object",
      properties: { ref: { type: "string" }, file: { type: "string" }, cause: { type: "string" } },
    },
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
      const { calls, count, thinking, stats } = await readStreamFindings(core, rec.ref);
      const artifacts = await readArtifacts(core, rec.ref);
      const stderr = await read("stderr", { maxBytes: 2000, fromEnd: true });
      const cause = causeOf(rec, stderr.text);
      const streamNote = stats.skipped && stats.skipped !== "missing"
        ? ` (skipped: stream.jsonl is ${stats.skipped})`
        : stats.truncated
        ? " (read the first 256 MB of stream.jsonl)"
        : "";
      const report = [
        `# Inspect ${rec.ref}: ${cause}`,
        "",
        `- status: ${rec.status} (exit ${rec.exit_code})`,
        `- error: ${rec.error ?? "none"}`,
        `- model: ${rec.model ?? "-"}  cost: ${rec.cost_usd ?? "-"}  turns: ${
          rec.num_turns ?? "-"
        }  duration: ${rec.duration_seconds}s`,
        `- session: ${rec.session_id ?? "-"}  parents: ${rec.parents.join(", ") || "none"}`,
        `- files: ${core.refs.paths(rec.run_id, rec.agent_id).dir}`,
        "",
        "## Output (first 2000 characters)",
        "",
        text || "(empty)",
        "",
        `## Thinking (first ${thinking.length})`,
        "",
        thinking.map((t, i) => `${i + 1}. ${t}`).join("\n") || "(none)",
        "",
        `## Tool calls (${count})${streamNote}`,
        "",
        calls.map((c, i) => `${i + 1}. ${c}`).join("\n") || "(none)",
        "",
        `## Artifacts log (out/artifacts.jsonl)${note(artifacts.stats, "artifacts.jsonl")}`,
        "",
        artifacts.lines.join("\n") || "(none)",
        "",
        ...listing(
          "Workspace files",
          "the workspace",
          await read("workspace", { maxEntries: MAX_FILES }),
        ),
        ...listing("Files in out/ (/output)", "out/", await read("out", { maxEntries: MAX_FILES })),
        `## stderr (last 2000 bytes)${note({ ...stderr, truncated: false }, "stderr.log")}`,
        "",
        stderr.text || "(empty)",
        "",
      ].join("\n");
      const file = await core.refs.writeReport(rec.ref, "inspect", report);
      return {
        ref: rec.ref,
        file,
        cause,
        tool_calls: count,
        has_partial_output: rec.status !== "ok" && (stats.bytes > 0 || rec.size > 0),
      };
    },
  };
}
