// inspect's report: why the agent ended in its first line, up to 5 thinking snippets, the tool
// calls with their inputs, the artifacts log, and the files left in the workspace and in out/,
// listed without following a link the agent planted.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";

const assistant = (content: unknown[]) =>
  JSON.stringify({ type: "assistant", message: { role: "assistant", content } });

describe("inspect", () => {
  let h: Harness;
  before(async () => {
    h = await createHarness();
  });
  after(() => h?.dispose());

  it("names why a failed agent failed in its first line and its result", async () => {
    const r = await h.call("run", {
      prompt: '[[fake fail="the model API answered 529 overloaded"]]',
    });
    assert.equal(r.data.status, "failed");
    const report = await h.call("inspect", { ref: r.data.ref });
    assert.equal(report.isError, false, report.text);
    const first = (await readFile(report.data.file, "utf8")).split("\n")[0]!;
    assert.match(first, /^# Inspect [0-9a-f]{12}\/agent-0: failed: .*529 overloaded/);
    assert.match(report.data.cause, /^failed: .*529 overloaded/);
    const ok = await h.call("run", { prompt: "[[fake]] fine" });
    assert.equal((await h.call("inspect", { ref: ok.data.ref })).data.cause, "ok");
  });

  it("shows thinking, tool calls, artifacts and the files left, never following links", async () => {
    const r = await h.call("run", { prompt: '[[fake text="done"]] work' });
    const p = h.core.refs.paths(r.data.run_id, r.data.agent_id);
    const thoughts = Array.from(
      { length: 7 },
      (_, i) => ({ type: "thinking", thinking: `idea ${i}\nmore` }),
    );
    await writeFile(
      p.stream,
      [
        JSON.stringify({ type: "system", subtype: "init", model: "m", session_id: "s" }),
        assistant(thoughts.slice(0, 3)),
        assistant([{
          type: "tool_use",
          id: "t1",
          name: "Write",
          input: { file_path: "/workspace/a.txt", content: "x" },
        }]),
        'not json "tool_use"',
        assistant([...thoughts.slice(3), {
          type: "tool_use",
          id: "t2",
          name: "Bash",
          input: { command: "npm test\nrm -rf x" },
        }]),
        assistant([{ type: "tool_use", id: "t3", name: "mcp__gh__issue", input: { title: "t" } }]),
      ].join("\n") + "\n",
    ); // deno-fmt-ignore
    await mkdir(p.out, { recursive: true });
    await writeFile(
      join(p.out, "artifacts.jsonl"),
      [
        JSON.stringify({
          timestamp: "2026-01-02T03:04:05Z",
          tool: "Write",
          tool_use_id: "t1",
          input: { file_path: "/workspace/a.txt" },
          response: {},
        }),
        "{broken",
        JSON.stringify({ tool_name: "Bash", tool_input: { command: "ls" } }),
      ].join("\n"),
    ); // deno-fmt-ignore
    await writeFile(join(p.out, "report.pdf"), "pdf");
    await symlink("/etc", join(p.out, "escape"));
    await mkdir(join(p.workspace, "src"), { recursive: true });
    await writeFile(join(p.workspace, "src", "main.py"), "print(1)\n");
    await symlink("/etc/passwd", join(p.workspace, "passwd"));

    const res = await h.call("inspect", { ref: r.data.ref });
    assert.equal(res.data.tool_calls, 3);
    const md = await readFile(res.data.file, "utf8");
    const section = (title: string) => md.split(`## ${title}`)[1]!.split("\n## ")[0]!;
    const thinking = section("Thinking");
    assert.match(thinking, /^ \(first 5\)/);
    for (let i = 0; i < 5; i++) assert.match(thinking, new RegExp(`${i + 1}\\. idea ${i} more`));
    assert.doesNotMatch(thinking, /idea 5/);
    const calls = section("Tool calls");
    assert.match(calls, /1\. Write \/workspace\/a\.txt/);
    assert.match(calls, /2\. Bash npm test rm -rf x/);
    assert.match(calls, /3\. mcp__gh__issue \{"title":"t"\}/);
    const artifacts = section("Artifacts log");
    assert.match(artifacts, /2026-01-02T03:04:05Z Write \/workspace\/a\.txt/);
    assert.match(artifacts, /\nBash ls/);
    const out = section("Files in out/");
    assert.match(out, /report\.pdf/);
    assert.match(out, /escape -> \(symbolic link, not followed\)/);
    assert.doesNotMatch(md, /passwd\n|root:x:0/);
    const ws = section("Workspace files");
    assert.match(ws, /src\/main\.py/);
    assert.match(ws, /passwd -> \(symbolic link, not followed\)/);
  });
});
