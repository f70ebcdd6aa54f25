// inspect: a post-mortem report of one agent (inspect.md): metadata, the start of its output,
// the tools it called (from stream.jsonl), its traced artifacts and its files.
import { createReadStream } from "node:fs";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Core, Tool } from "../../core/types.ts";

async function toolCalls(stream: string): Promise<string[]> {
  const names: string[] = [];
  const lines = createInterface({ input: createReadStream(stream).on("error", () => {}) });
  for await (const line of lines) {
    if (!line.includes('"tool_use"')) continue;
    try {
      for (const b of JSON.parse(line)?.message?.content ?? []) if (b?.type === "tool_use") names.push(String(b.name));
    } catch { /* not JSON: a command agent's plain output */ }
  }
  return names;
}

export function inspect(core: Core): Tool {
  const { v } = core;
  return {
    name: "inspect",
    description: "Write a debug report for a ref to inspect.md (status, error, cost, the first 2000 characters of output, the tool calls the agent made, traced artifacts, files it left) and return {ref, file, tool_calls, has_partial_output}. Use it when an agent failed or timed out.",
    annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: false },
    input: v.object({ ref: v.pipe(v.union([v.string(), v.object({ ref: v.string() })]), v.description('The ref: "<run_id>/<agent_id>" or a ref object')) }),
    async run({ ref }) {
      const rec = await core.refs.get(ref);
      const p = core.refs.paths(rec.run_id, rec.agent_id);
      const encrypted = "encryption" in (await core.refs.stamps(rec.ref));
      const text = encrypted ? "(encrypted)" : await core.refs.readText(rec.ref, 1 << 30).then((t) => t.slice(0, 2000), () => "");
      const calls = await toolCalls(p.stream);
      const artifacts = await readFile(join(p.out, "artifacts.jsonl"), "utf8").catch(() => "");
      const files = await readdir(p.workspace, { recursive: true }).catch(() => [] as string[]);
      const stderr = (await readFile(p.stderr, "utf8").catch(() => "")).slice(-2000);
      const report = [
        `# Inspect ${rec.ref}`, "",
        `- status: ${rec.status} (exit ${rec.exit_code})`, `- error: ${rec.error ?? "none"}`,
        `- model: ${rec.model ?? "-"}  cost: ${rec.cost_usd ?? "-"}  turns: ${rec.num_turns ?? "-"}  duration: ${rec.duration_seconds}s`,
        `- session: ${rec.session_id ?? "-"}  parents: ${rec.parents.join(", ") || "none"}`, "",
        "## Output (first 2000 characters)", "", text || "(empty)", "",
        `## Tool calls (${calls.length})`, "", calls.map((c, i) => `${i + 1}. ${c}`).join("\n") || "(none)", "",
        "## Artifacts", "", artifacts.trim().split("\n").filter(Boolean).slice(0, 50).join("\n") || "(none)", "",
        "## Workspace files", "", files.slice(0, 200).join("\n") || "(none)", "",
        "## stderr (last 2000 characters)", "", stderr || "(empty)", "",
      ].join("\n");
      const file = join(p.dir, "inspect.md");
      await writeFile(file, report, { mode: 0o600 });
      const streamSize = await stat(p.stream).then((s) => s.size, () => 0);
      return { ref: rec.ref, file, tool_calls: calls.length, has_partial_output: rec.status !== "ok" && (streamSize > 0 || rec.size > 0) };
    },
  };
}
