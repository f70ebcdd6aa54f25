// The claude driver's prepare: staged HOME, workspace files, argv and environment (no Docker).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import plugin, { claudeDriver } from "../../../src/plugins/claude-code/index.ts";
import {
  HOOK_COMMAND,
  HOOK_MATCHER,
  MCP_CONFIG_FILE,
  MCP_CONFIG_PATH,
} from "../../../src/plugins/claude-code/stage.ts";
import { code, createDirs, type Fixture, fixture } from "../command/fake-core.ts";

const KEY = "sk-ant-test-SECRET-123";
let fx: Fixture;
before(async () => {
  fx = await fixture({ ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: "http://model-server:8080" });
});
after(() => fx.cleanup());

const mode = async (p: string) => (await stat(p)).mode & 0o777;
const readJson = async (p: string) => JSON.parse(await readFile(p, "utf8"));

describe("claude driver: prepare", () => {
  test("the plugin offers one driver named claude", async () => {
    const p = await plugin(fx.core);
    assert.equal(p.name, "claude-code");
    assert.deepEqual(p.agents?.map((a) => a.name), ["claude"]);
  });

  test("stages HOME, CLAUDE.md and input files; credentials go to env, never argv", async () => {
    const job = fx.job({
      claude_md: "# Rules\nBe brief.",
      input_files: { "src/a.py": "print(1)\n", "/workspace/b.txt": "b" },
    });
    await createDirs(job);
    const plan = await claudeDriver(fx.core).prepare(job);

    const claudeJson = join(job.paths.home, ".claude.json");
    assert.deepEqual(await readJson(claudeJson), { hasCompletedOnboarding: true });
    assert.equal(await mode(claudeJson), 0o600);
    assert.equal(await mode(join(job.paths.home, ".claude")), 0o700);
    const settings = join(job.paths.home, ".claude", "settings.json");
    assert.equal(await mode(settings), 0o600);
    const hook = (await readJson(settings)).hooks.PostToolUse[0];
    assert.equal(hook.matcher, HOOK_MATCHER);
    assert.deepEqual(hook.hooks, [{ type: "command", command: HOOK_COMMAND, timeout: 10 }]);
    assert.ok(new RegExp(`^(${HOOK_MATCHER})$`).test("mcp__github__create_issue"));
    assert.ok(!new RegExp(`^(${HOOK_MATCHER})$`).test("Read"));
    await assert.rejects(stat(join(job.paths.home, ".claude", ".credentials.json")));

    assert.equal(
      await readFile(join(job.paths.workspace, "CLAUDE.md"), "utf8"),
      "# Rules\nBe brief.",
    );
    assert.equal(await readFile(join(job.paths.workspace, "src/a.py"), "utf8"), "print(1)\n");
    assert.equal(await readFile(join(job.paths.workspace, "b.txt"), "utf8"), "b");

    assert.deepEqual(plan.entrypoint, ["claude"]);
    assert.deepEqual(plan.cmd, [
      "--print",
      "--output-format",
      "stream-json",
      "--verbose",
      "--permission-mode",
      "bypassPermissions",
      "--strict-mcp-config",
      "--model",
      "claude-sonnet-4-5",
      "--tools",
      "Read,Write",
    ]);
    assert.equal(plan.stdin, job.prompt);
    assert.deepEqual(plan.env, {
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      ANTHROPIC_API_KEY: KEY,
      ANTHROPIC_BASE_URL: "http://model-server:8080",
    });
    assert.ok(!JSON.stringify([plan.cmd, plan.entrypoint]).includes(KEY));
  });

  test("optional flags: system prompt, schema, effort, and the tighter budget", async () => {
    const schema = { type: "object", properties: { name: { type: "string" } }, required: ["name"] };
    const job = fx.job({
      system_prompt: "You review code.",
      output_schema: schema,
      effort: "low",
      max_budget: 2,
      tools: [],
    }, { budget_cap: 0.75 });
    await createDirs(job);
    const { cmd } = await claudeDriver(fx.core).prepare(job);
    const flag = (name: string) => cmd[cmd.indexOf(name) + 1];
    assert.equal(flag("--tools"), "");
    assert.equal(flag("--system-prompt"), "You review code.");
    assert.deepEqual(JSON.parse(flag("--json-schema")!), schema);
    assert.equal(flag("--effort"), "low");
    assert.equal(flag("--max-budget-usd"), "0.75");

    const tiny = fx.job({ max_budget: 0.001 });
    await createDirs(tiny);
    const t = (await claudeDriver(fx.core).prepare(tiny)).cmd;
    assert.equal(
      t[t.indexOf("--max-budget-usd") + 1],
      "0.001",
      "a small budget must not round to 0",
    );

    const none = fx.job();
    await createDirs(none);
    assert.ok(!(await claudeDriver(fx.core).prepare(none)).cmd.includes("--max-budget-usd"));
  });

  test("check refuses a spent budget, an unknown effort and a huge schema", async () => {
    const check = (job: ReturnType<typeof fx.job>) => claudeDriver(fx.core).check!(job);
    const spent = fx.job({ max_budget: 1 }, { budget_cap: 0 });
    assert.equal(await code(Promise.resolve().then(() => check(spent))), "BUDGET_EXCEEDED");
    const effort = fx.job({ effort: "extreme" });
    assert.equal(await code(Promise.resolve().then(() => check(effort))), "INVALID_INPUT");
    const huge = fx.job({ output_schema: { description: "x".repeat(100_001) } });
    assert.equal(await code(Promise.resolve().then(() => check(huge))), "TOO_LARGE");
    await check(fx.job({ effort: "low", max_budget: 1 }));
  });

  test("input_files escaping the workspace are refused and nothing is written", async () => {
    for (const key of ["../../../../tmp/x", "/../../etc/x", "/etc/../../passwd", "a/../../b"]) {
      const job = fx.job({ claude_md: "hi", input_files: { "ok.txt": "fine", [key]: "pwned" } });
      await createDirs(job);
      assert.equal(await code(claudeDriver(fx.core).prepare(job)), "INVALID_INPUT", key);
      assert.deepEqual(await readdir(job.paths.workspace), [], key);
      assert.deepEqual(await readdir(job.paths.home), [], key);
    }
  });
});

describe("claude driver: MCP servers and credentials from the host", () => {
  const servers = {
    github: { type: "stdio", command: "gh-mcp", env: { GITHUB_TOKEN: "ghp_x" } },
    docs: { type: "http", url: "http://docs.internal/mcp" },
  };

  test("MCP servers reach the CLI only through --mcp-config, with --strict-mcp-config always", async () => {
    const f = await fixture({ ANTHROPIC_API_KEY: KEY });
    try {
      // The host's own servers stay out of the staged .claude.json (the mcp-access plugin stages
      // exactly the asked-for ones in MCP_CONFIG_FILE, removed with the credentials).
      await writeFile(join(f.hostHome, ".claude.json"), JSON.stringify({ mcpServers: servers }));
      const job = f.job({ mcps: ["github"] });
      await createDirs(job);
      const { cmd } = await claudeDriver(f.core).prepare(job);
      const staged = await readJson(join(job.paths.home, ".claude.json"));
      assert.deepEqual(staged, { hasCompletedOnboarding: true });
      assert.ok(cmd.includes("--strict-mcp-config"));
      assert.equal(cmd[cmd.indexOf("--mcp-config") + 1], MCP_CONFIG_PATH);
      assert.ok(cmd[cmd.indexOf("--mcp-config") + 2]!.startsWith("--"), "variadic: a flag follows");
      const none = f.job();
      await createDirs(none);
      const plain = (await claudeDriver(f.core).prepare(none)).cmd;
      assert.ok(plain.includes("--strict-mcp-config") && !plain.includes("--mcp-config"));

      await mkdir(join(job.paths.home, ".claude"), { recursive: true });
      await writeFile(join(job.paths.home, MCP_CONFIG_FILE), "{}");
      await claudeDriver(f.core).cleanup!(job.paths);
      await assert.rejects(stat(join(job.paths.home, MCP_CONFIG_FILE)), /ENOENT/);
    } finally {
      await f.cleanup();
    }
  });

  test("mcps without the mcp-access plugin loaded is refused at check", async () => {
    const f = await fixture({ ANTHROPIC_API_KEY: KEY });
    try {
      const core = { ...f.core, tools: { has: () => false } };
      const check = (job: ReturnType<typeof f.job>) =>
        Promise.resolve().then(() => claudeDriver(core).check!(job));
      assert.equal(await code(check(f.job({ mcps: ["github"] }))), "INVALID_INPUT");
      await assert.rejects(check(f.job({ mcps: ["github"] })), /mcp-access plugin is not loaded/);
      await check(f.job());
    } finally {
      await f.cleanup();
    }
  });

  test("without credential env vars the host credentials file is copied 0600", async () => {
    const f = await fixture({});
    try {
      await mkdir(join(f.hostHome, ".claude"));
      const creds = JSON.stringify({ claudeAiOauth: { accessToken: "tok" } });
      await writeFile(join(f.hostHome, ".claude", ".credentials.json"), creds, { mode: 0o644 });
      await writeFile(
        join(f.hostHome, ".claude.json"),
        JSON.stringify({ oauthAccount: { emailAddress: "a@b.c" } }),
      );
      const job = f.job();
      await createDirs(job);
      const plan = await claudeDriver(f.core).prepare(job);
      const copy = join(job.paths.home, ".claude", ".credentials.json");
      assert.equal(await readFile(copy, "utf8"), creds);
      assert.equal(await mode(copy), 0o600);
      assert.deepEqual(plan.env, { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1" });
      assert.deepEqual((await readJson(join(job.paths.home, ".claude.json"))).oauthAccount, {
        emailAddress: "a@b.c",
      });
    } finally {
      await f.cleanup();
    }
  });

  test("with no credentials at all the driver warns and the CLI will say so", async () => {
    const f = await fixture({});
    try {
      const job = f.job();
      await createDirs(job);
      const plan = await claudeDriver(f.core).prepare(job);
      assert.deepEqual(plan.env, { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1" });
      assert.equal(f.warnings.length, 1);
      assert.match(f.warnings[0]!, /Not logged in/);
    } finally {
      await f.cleanup();
    }
  });

  test("OAuth and auth-token variables are forwarded through env", async () => {
    const f = await fixture({
      CLAUDE_CODE_OAUTH_TOKEN: "oauth-x",
      ANTHROPIC_AUTH_TOKEN: "bearer-y",
      UNRELATED: "z",
    });
    try {
      const job = f.job();
      await createDirs(job);
      const plan = await claudeDriver(f.core).prepare(job);
      assert.deepEqual(plan.env, {
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        CLAUDE_CODE_OAUTH_TOKEN: "oauth-x",
        ANTHROPIC_AUTH_TOKEN: "bearer-y",
      });
    } finally {
      await f.cleanup();
    }
  });
});
