// The artifacts hook: the driver stages it into the agent's HOME (so a custom image logs tool calls
// too), and the script, run by a plain Debian container's sh and awk, writes one line per call in
// the reference's shape {timestamp, tool, tool_use_id, input, response}, renaming only top-level
// keys whatever the payload nests or escapes.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claudeDriver } from "../../../src/plugins/claude-code/index.ts";
import { HOOK_COMMAND, HOOK_FILE } from "../../../src/plugins/claude-code/stage.ts";
import { HOOKS } from "../../../src/plugins/claude-code/_assets.ts";
import { BASE_IMAGE, docker, dockerSkip } from "../../helpers/docker-env.ts";
import { createDirs, type Fixture, fixture } from "../command/fake-core.ts";

const payload = (over: Record<string, unknown>) => ({
  session_id: "s-1",
  transcript_path: "/home/agent/.claude/projects/x.jsonl",
  cwd: "/workspace",
  permission_mode: "bypassPermissions",
  hook_event_name: "PostToolUse",
  tool_name: "Write",
  tool_input: { file_path: "/workspace/a.txt", content: "hi\n" },
  tool_response: { type: "create", filePath: "/workspace/a.txt" },
  tool_use_id: "toolu_01",
  duration_ms: 3,
  ...over,
});

describe("the artifacts hook is staged into HOME", () => {
  let fx: Fixture;
  before(async () => {
    fx = await fixture({ ANTHROPIC_API_KEY: "sk-test" });
  });
  after(() => fx.cleanup());

  it("writes the script beside settings.json and points the hook command at it", async () => {
    const job = fx.job();
    await createDirs(job);
    await claudeDriver(fx.core).prepare(job);
    const staged = await readFile(join(job.paths.home, HOOK_FILE), "utf8");
    assert.equal(staged, HOOKS["log-artifacts.sh"]!.text);
    const settings = JSON.parse(
      await readFile(join(job.paths.home, ".claude", "settings.json"), "utf8"),
    );
    assert.equal(settings.hooks.PostToolUse[0].hooks[0].command, HOOK_COMMAND);
    assert.equal(HOOK_COMMAND, `sh "$HOME/${HOOK_FILE}"`);
  });
});

describe("the artifacts hook in a plain Debian container", { skip: await dockerSkip() }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "swarm-hook-"));
    await chmod(dir, 0o777);
    await writeFile(join(dir, "hook.sh"), HOOKS["log-artifacts.sh"]!.text);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** Feed each stdin to the hook (in parallel when asked) in one throwaway container; the lines. */
  async function hook(inputs: string[], parallel = false): Promise<string[]> {
    for (const [i, text] of inputs.entries()) await writeFile(join(dir, `in-${i}`), text);
    const each = inputs.map((_, i) => `sh /h/hook.sh < /h/in-${i}${parallel ? " &" : ";"}`);
    await rm(join(dir, "artifacts.jsonl"), { force: true });
    await docker(
      "run",
      "--rm",
      "--label",
      "swarm-test=1",
      "--network",
      "none",
      "--user",
      "1000:1000",
      "-v",
      `${dir}:/h`,
      "-e",
      "SWARM_ARTIFACTS_FILE=/h/artifacts.jsonl",
      "--entrypoint",
      "sh",
      BASE_IMAGE,
      "-c",
      `${each.join(" ")} wait; echo done`,
    ); // deno-fmt-ignore
    const text = await readFile(join(dir, "artifacts.jsonl"), "utf8").catch(() => "");
    return text.split("\n").filter(Boolean);
  }

  it("writes {timestamp, tool, tool_use_id, input, response} and keeps the other fields", async () => {
    const [line, ...rest] = await hook([JSON.stringify(payload({})) + "\n"]);
    assert.deepEqual(rest, []);
    const entry = JSON.parse(line!);
    assert.match(entry.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(entry.tool, "Write");
    assert.equal(entry.tool_use_id, "toolu_01");
    assert.deepEqual(entry.input, { file_path: "/workspace/a.txt", content: "hi\n" });
    assert.deepEqual(entry.response, { type: "create", filePath: "/workspace/a.txt" });
    assert.equal(entry.session_id, "s-1");
    for (const k of ["tool_name", "tool_input", "tool_response"]) assert.ok(!(k in entry), k);
  });

  it("renames only top-level keys: nested look-alikes, escapes and brackets in strings stay", async () => {
    const input = {
      tool_name: "nested",
      q: 'a"b}{[\\"tool_input":',
      tool_response: [1, { tool_input: { "}": "]" } }],
    };
    const response = { content: 'x\n"tool_name": {"y":[}', tool_name: 2 };
    const [line] = await hook([
      JSON.stringify(
        payload({ tool_name: "mcp__srv__do", tool_input: input, tool_response: response }),
      ),
    ]); // deno-fmt-ignore
    const entry = JSON.parse(line!);
    assert.equal(entry.tool, "mcp__srv__do");
    assert.deepEqual(entry.input, input);
    assert.deepEqual(entry.response, response);
  });

  it("keeps 40 parallel calls as 40 whole lines, and ignores what is not a JSON object", async () => {
    const big = "z".repeat(200_000);
    const calls = Array.from(
      { length: 40 },
      (_, i) => JSON.stringify(payload({ tool_use_id: `t${i}`, tool_input: { content: big } })),
    );
    const lines = await hook([...calls, "not json at all", ""], true);
    assert.equal(lines.length, 40);
    const ids = lines.map((l) => JSON.parse(l)).map((
      e,
    ) => (assert.equal(e.input.content, big), e.tool_use_id));
    assert.deepEqual(ids.sort(), calls.map((_, i) => `t${i}`).sort());
  });
});
