// The registry through the server's own tools: sources and their precedence, per-server errors
// naming the server and the field, refusals before anything is queued, toggles persisted across a
// restart, and what an agent that asked for servers is given (fake runtime: argv, binds, config).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createHarness, type Harness } from "../../helpers/harness.ts";

const FIXTURE_DIR = resolve(import.meta.dirname!, "../../fixtures/mcp-server");
const SERVER = join(FIXTURE_DIR, "server.mjs");

async function writeJson(file: string, value: unknown) {
  await mkdir(join(file, ".."), { recursive: true });
  await writeFile(file, JSON.stringify(value));
}

describe("mcp-access registry and tools", () => {
  let h: Harness;
  let home: string;
  before(async () => {
    h = await createHarness({ env: { FIXTURE_SECRET: "s3cret" } });
    home = join(h.dataDir, "home");
    await writeJson(join(home, ".claude.json"), {
      projects: { "/x": {} },
      mcpServers: {
        fixture: {
          command: "node",
          args: [SERVER],
          env: { FIXTURE_WORD: "${FIXTURE_SECRET}", MODE: "${MODE:-plain}" },
        },
        docs: { type: "http", url: "https://docs.test/mcp", headers: { A: "b" } },
        broken: { type: "stdio", args: ["x"] },
        badtype: { type: "websocket", url: "ws://x" },
        unset: { command: "node", args: ["${NOT_SET_ANYWHERE}"] },
        overridden: { command: "from-user" },
        twin: { command: "/opt/homebrew/bin/node", args: ["server.mjs"], cwd: FIXTURE_DIR },
      },
    });
    await writeJson(join(home, ".config", "swarm-mcp", "mcp.json"), {
      mcpServers: { overridden: { command: "from-swarm" }, off: { command: "x", enabled: false } },
    });
  });
  after(() => h.dispose());

  const names = (d: { servers: { name: string }[] }) => d.servers.map((s) => s.name).sort();

  it("list_mcps: every source, the later winning; invalid entries say server and field", async () => {
    const r = await h.call("list_mcps");
    assert.equal(r.isError, false, r.text);
    const by = Object.fromEntries(r.data.servers.map((s: { name: string }) => [s.name, s]));
    assert.deepEqual(names(r.data), [
      "badtype",
      "broken",
      "docs",
      "fixture",
      "off",
      "overridden",
      "twin",
      "unset",
    ]);
    assert.deepEqual(by.fixture, {
      name: "fixture",
      type: "stdio",
      enabled: true,
      source: "user",
      command: "node",
    });
    assert.deepEqual(by.docs, {
      name: "docs",
      type: "http",
      enabled: true,
      source: "user",
      url: "https://docs.test/mcp",
    });
    assert.equal(by.overridden.source, "swarm");
    assert.equal(by.overridden.command, "from-swarm");
    assert.equal(by.off.enabled, false);
    assert.match(by.broken.error, /MCP server "broken" .*field "command"/);
    assert.match(by.badtype.error, /MCP server "badtype" .*field "type" must be one of stdio/);
    assert.ok(!JSON.stringify(r.data).includes("s3cret"), "listing expands nothing");
  });

  const refused = async (mcps: string[], code: string, pattern: RegExp) => {
    const before = h.runtime.started;
    const r = await h.call("run", { prompt: "hi", mcps });
    assert.equal(r.isError, true, `run with ${mcps} was not refused`);
    assert.equal(r.data.code, code, r.text);
    assert.match(r.text, pattern);
    assert.equal(h.runtime.started, before, "a container started");
  };

  it("asking for an unknown, invalid, disabled or unexpandable server is refused before queueing", async () => {
    await refused(
      ["nope"],
      "NOT_FOUND",
      /MCP server "nope".*available: .*fixture.*off \(disabled\)/,
    );
    await refused(["broken"], "INVALID_INPUT", /MCP server "broken".*field "command"/);
    await refused(["badtype"], "INVALID_INPUT", /MCP server "badtype".*field "type"/);
    await refused(
      ["off"],
      "CONFLICT",
      /MCP server "off": it is disabled; enable it with enable_mcp/,
    );
    await refused(
      ["unset"],
      "INVALID_INPUT",
      /MCP server "unset": field "args\[0\]" uses \$\{NOT_SET_ANYWHERE\}, which is not set/,
    );
    // The runs are recorded (and failed), but no agent dir was ever made for them.
    const data = join(h.dataDir, "data");
    for (const run of (await readdir(data)).filter((d) => /^[0-9a-f]{12}$/.test(d))) {
      assert.deepEqual((await readdir(join(data, run))).filter((f) => f.startsWith("agent")), []);
    }
  });

  it("an agent gets exactly its servers: --strict-mcp-config, a 0600 config, the code mounted read-only", async () => {
    const started = h.runtime.started;
    const pending = h.call("run", { prompt: "[[fake sleep=1]] hi", mcps: ["fixture"] });
    await h.runtime.until((rt) => rt.started > started && rt.running > 0);
    const call = h.runtime.calls.at(-1)!;
    const cmd = call.opts.cmd;
    assert.ok(cmd.includes("--strict-mcp-config"));
    assert.equal(cmd[cmd.indexOf("--mcp-config") + 1], "/home/agent/.claude/swarm-mcp.json");
    assert.ok(!JSON.stringify(cmd).includes("s3cret"), "secrets never on argv");
    assert.ok(
      call.opts.binds.some((b) =>
        b.host === FIXTURE_DIR && b.container === FIXTURE_DIR && b.readonly
      ),
      `no read-only bind of ${FIXTURE_DIR}: ${JSON.stringify(call.opts.binds)}`,
    );
    const home = call.opts.binds.find((b) => b.container === "/home/agent")!.host;
    const file = join(home, ".claude", "swarm-mcp.json");
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(await readFile(file, "utf8")), {
      mcpServers: {
        fixture: {
          type: "stdio",
          command: "node",
          args: [SERVER],
          env: { FIXTURE_WORD: "s3cret", MODE: "plain" },
        },
      },
    });
    const ref = (await pending).data;
    assert.equal(ref.status, "ok");
    await assert.rejects(stat(file), /ENOENT/, "the config (with its secrets) outlived the agent");
  });

  it("servers sharing a directory, and a caller's mount of it, make one bind; cwd runs through sh", async () => {
    const started = h.runtime.started;
    const pending = h.call("run", {
      prompt: "[[fake sleep=1]] hi",
      mcps: ["fixture", "twin"],
      mounts: [{ host_path: FIXTURE_DIR, container_path: FIXTURE_DIR, readonly: true }],
    });
    await h.runtime.until((rt) => rt.started > started && rt.running > 0);
    const { binds } = h.runtime.calls.at(-1)!.opts;
    assert.equal(binds.filter((b) => b.container === FIXTURE_DIR).length, 1, JSON.stringify(binds));
    const home = binds.find((b) => b.container === "/home/agent")!.host;
    const staged = JSON.parse(await readFile(join(home, ".claude", "swarm-mcp.json"), "utf8"));
    assert.deepEqual(staged.mcpServers.twin, {
      type: "stdio",
      command: "/bin/sh",
      // The host's absolute path to node became the image's node.
      args: ["-c", 'cd "$0" && exec "$@"', FIXTURE_DIR, "node", "server.mjs"],
      env: {},
    });
    assert.equal((await pending).data.status, "ok");
  });

  it("a server directory the mount policy refuses is a FORBIDDEN naming the server, before queueing", async () => {
    const hidden = join(home, ".local", "mcp");
    await mkdir(hidden, { recursive: true });
    await writeFile(join(hidden, "srv.js"), "");
    await writeJson(join(home, ".config", "swarm-mcp", "mcp.json"), {
      mcpServers: { dotted: { command: "node", args: [join(hidden, "srv.js")] } },
    });
    await refused(["dotted"], "FORBIDDEN", /MCP servers? "?dotted"?.*\.local/);
  });
});

describe("enable_mcp / disable_mcp persist across a restart", () => {
  it("a toggle survives the server, is written atomically (0600, no temp left) and wins over the file", async () => {
    const a = await createHarness();
    const dataDir = a.dataDir;
    const home = join(dataDir, "home");
    await writeJson(join(home, ".claude.json"), {
      mcpServers: { one: { command: "x" }, two: { command: "y", enabled: false } },
    });
    try {
      assert.deepEqual((await a.call("disable_mcp", { name: "one" })).data, {
        name: "one",
        enabled: false,
      });
      assert.equal((await a.call("enable_mcp", { name: "two" })).data.enabled, true);
      const missing = await a.call("enable_mcp", { name: "three" });
      assert.equal(missing.data.code, "NOT_FOUND");
      assert.match(missing.text, /available: one, two/);
    } finally {
      await a.dispose({ keep: true });
    }
    const b = await createHarness({ dataDir });
    try {
      const list = (await b.call("list_mcps")).data.servers;
      const enabled = Object.fromEntries(list.map((s: any) => [s.name, s.enabled]));
      assert.deepEqual(enabled, { one: false, two: true });
      const dir = join(dataDir, "data", "mcp-access");
      assert.deepEqual(await readdir(dir), ["enabled.json"]);
      assert.equal((await stat(join(dir, "enabled.json"))).mode & 0o777, 0o600);
      const r = await b.call("run", { prompt: "hi", mcps: ["one"] });
      assert.equal(r.data.code, "CONFLICT");
      await b.call("enable_mcp", { name: "one" });
      assert.equal((await b.call("list_mcps")).data.servers[0].enabled, true);
    } finally {
      await b.dispose();
    }
  });
});

describe("the project's .mcp.json is a source only when the operator enables it", () => {
  it("SWARM_MCP_PROJECT=1 reads <SWARM_PROJECT_DIR>/.mcp.json, never through a link", async () => {
    const off = await createHarness();
    const project = join(off.dataDir, "project");
    await writeJson(join(project, ".mcp.json"), { mcpServers: { repo: { command: "x" } } });
    const on = await createHarness({
      env: { SWARM_PROJECT_DIR: project, SWARM_MCP_PROJECT: "1" },
    });
    const linked = await createHarness({
      env: { SWARM_PROJECT_DIR: join(off.dataDir, "linked"), SWARM_MCP_PROJECT: "1" },
    });
    try {
      assert.deepEqual((await off.call("list_mcps")).data.servers, []);
      const listed = (await on.call("list_mcps")).data.servers;
      assert.deepEqual(listed.map((s: any) => [s.name, s.source]), [["repo", "project"]]);
      await mkdir(join(off.dataDir, "linked"));
      await symlink(join(project, ".mcp.json"), join(off.dataDir, "linked", ".mcp.json"));
      const r = (await linked.call("list_mcps")).data;
      assert.deepEqual(r.servers, []);
      assert.match(r.problems[0], /cannot read .*linked\/\.mcp\.json: a symbolic link/);
    } finally {
      await Promise.all([on.dispose(), linked.dispose()]);
      await off.dispose();
    }
  });
});
