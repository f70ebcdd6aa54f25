// Agents that really call MCP tools (issue 14): the compiled binary, the real claude CLI in agent
// containers on an --internal test network, the scripted model server asking for
// mcp__<server>__whisper. (a) the suite's stdio server, run by the image's node from a read-only
// same-path mount of its directory; (b) the same server over HTTP on this host, declared with a
// loopback URL the server points at the network's gateway; a server the mounted repo's .mcp.json
// lists is not loaded; the project's .mcp.json (SWARM_MCP_PROJECT=1) only adds servers whose code
// is inside the project, expands only the variables the operator lists and never replaces a user's
// server; a loopback ANTHROPIC_BASE_URL reaches a model server on the host through the gateway, and
// one nothing answers for is refused before the agent starts.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { type BinaryServer, binarySkip, startBinary } from "../helpers/binary.ts";
import {
  agentImage,
  docker,
  dockerSkip,
  type ModelEnv,
  ownedContainers,
  startModelEnv,
} from "../helpers/docker-env.ts";
import { type ModelServer, startModelServer } from "../fixtures/model-server/server.ts";
// @ts-ignore: a plain .mjs fixture without types
import { startHttpMcp } from "../fixtures/mcp-server/server.mjs";

const skip = binarySkip || (await dockerSkip());
const MODEL = "claude-sonnet-4-5";
const SERVER = resolve(import.meta.dirname!, "../fixtures/mcp-server/server.mjs");

describe("agents call MCP tools from the host's config (real claude CLI)", { skip }, () => {
  let model: ModelEnv;
  let server: BinaryServer;
  let http: { url: string; port: number; close(): Promise<void> };
  let gateway: string;
  let httpLog: string;
  let base: Record<string, unknown>;

  before(async () => {
    await agentImage();
    model = await startModelEnv();
    gateway = await docker(
      "network",
      "inspect",
      model.network,
      "-f",
      "{{range .IPAM.Config}}{{.Gateway}}{{end}}",
    );
    const dir = await mkdtemp(join(tmpdir(), "swarm-mcp-e2e-"));
    httpLog = join(dir, "http-calls.jsonl");
    // Listening on the test network's gateway only: reachable from its containers, not beyond.
    http = await startHttpMcp({ host: gateway, word: "http-word", log: httpLog });
    const config = join(dir, "mcp.json");
    await writeFile(
      config,
      JSON.stringify({
        mcpServers: {
          fixture: { command: "node", args: [SERVER], env: { FIXTURE_WORD: "${E2E_WORD}" } },
          // A relative script under cwd: the CLI ignores cwd, so it is staged through /bin/sh.
          viacwd: {
            command: "node",
            args: ["server.mjs"],
            cwd: dirname(SERVER),
            env: { FIXTURE_WORD: "cwd-word" },
          },
          web: { type: "http", url: `http://127.0.0.1:${http.port}/mcp` },
        },
      }),
    );
    server = await startBinary({
      ANTHROPIC_BASE_URL: model.baseUrl,
      ANTHROPIC_API_KEY: "sk-test-not-a-real-key",
      SWARM_MCP_CONFIG: config,
      SWARM_MCP_HOST_GATEWAY: "1",
      E2E_WORD: "pineapple",
    });
    base = { network: model.network, model: MODEL };
  });
  after(async () => {
    await server?.close();
    await http?.close();
    await model?.stop();
  });

  const agentFile = (ref: { run_id: string }, file: string) =>
    readFile(join(server.dataDir, ref.run_id, "agent-0", file), "utf8").catch(() => "");
  const init = async (ref: { run_id: string }) =>
    JSON.parse((await agentFile(ref, "stream.jsonl")).split("\n")[0]!);
  const gone = async (runId: string) =>
    assert.deepEqual(await ownedContainers({ "swarm-mcp.run": runId }), [], "containers left");

  const whisper = (marker: string, tool: string, to: string) =>
    model.script(marker, {
      turns: [{ text: "Asking.", tool_use: { name: tool, input: { to } } }, { text: "Done." }],
    });

  it("(a) a stdio server from the config, run by node in the container, answers a tool call", async () => {
    await model.script("mcpstdio", {
      turns: [
        {
          tool_use: [
            { name: "mcp__fixture__whisper", input: { to: "alice" } },
            { name: "mcp__viacwd__whisper", input: { to: "carol" } },
          ],
        },
        { text: "Done." },
      ],
    });
    const ref = await server.call("run", {
      ...base,
      prompt: "[[script:mcpstdio]] ask the fixture",
      mcps: ["fixture", "viacwd"],
      tools: ["Read"], // a restriction of built-in tools: the MCP tools stay usable
    });
    assert.equal(ref.status, "ok", ref.error);
    const stream = await agentFile(ref, "stream.jsonl");
    assert.match(
      stream,
      /pineapple for alice/,
      "the tool result (with the expanded env) is traced",
    );
    assert.match(stream, /cwd-word for carol/, "a server started in its cwd");
    assert.deepEqual(
      (await init(ref)).mcp_servers.map((
        s: { name: string; status: string },
      ) => [s.name, s.status]),
      [["fixture", "connected"], ["viacwd", "connected"]],
    );
    assert.match(
      await agentFile(ref, "out/artifacts.jsonl"),
      /"tool(?:_name)?":"mcp__fixture__whisper"/,
    );
    const sent = (await model.requests()).filter((r) => r.marker === "mcpstdio");
    assert.ok(sent.length >= 2);
    assert.deepEqual(sent[0]!.tool_names, [
      "Read",
      "mcp__fixture__whisper",
      "mcp__viacwd__whisper",
    ]);
    await gone(ref.run_id);
  });

  it("(b) an http server on this host's loopback is reached through the network's gateway", async () => {
    await whisper("mcphttp", "mcp__web__whisper", "bob");
    const ref = await server.call("run", {
      ...base,
      prompt: "[[script:mcphttp]] ask the web server",
      mcps: ["web"],
    });
    assert.equal(ref.status, "ok", ref.error);
    assert.match(await agentFile(ref, "stream.jsonl"), /http-word for bob/);
    assert.match(
      await agentFile(ref, "out/artifacts.jsonl"),
      /"tool(?:_name)?":"mcp__web__whisper"/,
    );
    assert.deepEqual(
      (await readFile(httpLog, "utf8")).trim().split("\n").map((l) => JSON.parse(l)),
      [{ tool: "whisper", to: "bob" }],
    );
    await gone(ref.run_id);
  });

  it("(c) the seed's recipe: a server's data under ~/ mounted at the same ~/ path is found", async () => {
    // The operator's HOME, with the data where the MCP-access document keeps it; ~/.local is a
    // dot-entry of HOME, which the mount policy opens only when the operator allows it.
    const home = await mkdtemp(join(tmpdir(), "swarm-mcp-home-"));
    const data = join(home, ".local", "share", "database-mcp");
    await mkdir(data, { recursive: true });
    await writeFile(join(data, "word.txt"), "from-the-database\n");
    await chmod(join(home, ".local"), 0o755);
    const config = join(home, "mcp.json");
    await writeFile(
      config,
      JSON.stringify({
        mcpServers: {
          db: { command: "node", args: [SERVER], env: { FIXTURE_WORD_FILE: `${data}/word.txt` } },
        },
      }),
    );
    const withHome = await startBinary({
      HOME: home,
      ANTHROPIC_BASE_URL: model.baseUrl,
      ANTHROPIC_API_KEY: "sk-test-not-a-real-key",
      SWARM_MCP_CONFIG: config,
      SWARM_ALLOW_MOUNTS: data,
    });
    try {
      await whisper("mcprecipe", "mcp__db__whisper", "dave");
      const ref = await withHome.call("run", {
        ...base,
        prompt: "[[script:mcprecipe]] ask the database",
        mcps: ["db"],
        mounts: [{
          host_path: "~/.local/share/database-mcp",
          container_path: "~/.local/share/database-mcp",
          readonly: true,
        }],
      });
      assert.equal(ref.status, "ok", ref.error);
      const stream = await readFile(
        join(withHome.dataDir, ref.run_id, "agent-0", "stream.jsonl"),
        "utf8",
      );
      assert.match(stream, /from-the-database for dave/, "the server read its data by host path");
      await gone(ref.run_id);
    } finally {
      await withHome.close();
      await rm(home, { recursive: true, force: true });
    }
  });

  it("a server the mounted repo's .mcp.json lists is not loaded (--strict-mcp-config)", async () => {
    const repo = await mkdtemp(join(tmpdir(), "swarm-mcp-repo-"));
    await chmod(repo, 0o755); // readable by the agent's uid, or the CLI could not see the file at all
    await writeFile(
      join(repo, ".mcp.json"),
      JSON.stringify({
        mcpServers: {
          intruder: { command: "node", args: [SERVER], env: { FIXTURE_WORD: "intruder-word" } },
        },
      }),
    );
    await whisper("mcpintruder", "mcp__intruder__whisper", "eve");
    const ref = await server.call("run", {
      ...base,
      prompt: "[[script:mcpintruder]] try the repo's server",
      mcps: ["fixture"],
      mounts: [{ host_path: repo, container_path: "/workspace/repo", readonly: true }],
      workdir: "/workspace/repo",
    });
    assert.equal((await init(ref)).cwd, "/workspace/repo");
    assert.deepEqual((await init(ref)).mcp_servers.map((s: { name: string }) => s.name), [
      "fixture",
    ]);
    const stream = await agentFile(ref, "stream.jsonl");
    assert.doesNotMatch(stream, /intruder-word/);
    assert.match(stream, /No such tool available: mcp__intruder__whisper/);
    const sent = (await model.requests()).filter((r) => r.marker === "mcpintruder");
    for (const r of sent) assert.ok(!(r.tool_names as string[]).includes("mcp__intruder__whisper"));
    await gone(ref.run_id);
  });

  it("a project's .mcp.json (SWARM_MCP_PROJECT=1) adds servers from inside the project, never the user's names, host variables or other dirs", async () => {
    // The operator's HOME declares "fixture"; the project (which an agent may have written)
    // re-declares it, and names a variable and code outside the project.
    const home = await mkdtemp(join(tmpdir(), "swarm-mcp-home-"));
    const project = await mkdtemp(join(tmpdir(), "swarm-mcp-proj-"));
    await chmod(project, 0o755);
    await mkdir(join(project, "tools"), { mode: 0o755 });
    await writeFile(join(project, "tools", "server.mjs"), await readFile(SERVER));
    await writeFile(
      join(home, ".claude.json"),
      JSON.stringify({
        mcpServers: {
          fixture: { command: "node", args: [SERVER], env: { FIXTURE_WORD: "user-word" } },
        },
      }),
    );
    const inside = join(project, "tools", "server.mjs");
    await writeFile(
      join(project, ".mcp.json"),
      JSON.stringify({
        mcpServers: {
          fixture: { command: "node", args: [inside], env: { FIXTURE_WORD: "agent-word" } },
          proj: { command: "node", args: [inside], env: { FIXTURE_WORD: "${E2E_PROJ_WORD}" } },
          leaky: { command: "node", args: [inside], env: { FIXTURE_WORD: "${E2E_SECRET}" } },
          far: { command: "node", args: [SERVER] },
        },
      }),
    );
    const withProject = await startBinary({
      HOME: home,
      ANTHROPIC_BASE_URL: model.baseUrl,
      ANTHROPIC_API_KEY: "sk-test-not-a-real-key",
      SWARM_PROJECT_DIR: project,
      SWARM_MCP_PROJECT: "1",
      SWARM_MCP_PROJECT_VARS: "E2E_PROJ_WORD",
      E2E_PROJ_WORD: "proj-word",
      E2E_SECRET: "host-secret",
    });
    try {
      const listed = (await withProject.call("list_mcps", {})).servers;
      assert.deepEqual(
        listed.map((s: { name: string; source: string; error?: string }) => [
          s.name,
          s.source,
          /ignored: .*\.claude\.json declares the same name/.test(s.error ?? ""),
        ]),
        [
          ["fixture", "user", false],
          ["proj", "project", false],
          ["leaky", "project", false],
          ["far", "project", false],
          ["fixture", "project", true],
        ],
      );
      await model.script("mcpproject", {
        turns: [
          {
            tool_use: [
              { name: "mcp__fixture__whisper", input: { to: "alice" } },
              { name: "mcp__proj__whisper", input: { to: "bob" } },
            ],
          },
          { text: "Done." },
        ],
      });
      const ref = await withProject.call("run", {
        ...base,
        prompt: "[[script:mcpproject]] ask both",
        mcps: ["fixture", "proj"],
      });
      assert.equal(ref.status, "ok", ref.error);
      const stream = await readFile(
        join(withProject.dataDir, ref.run_id, "agent-0", "stream.jsonl"),
        "utf8",
      );
      assert.match(stream, /user-word for alice/, "the user's fixture answered");
      assert.match(stream, /proj-word for bob/, "the project's server ran with a listed variable");
      assert.doesNotMatch(stream, /agent-word/);
      await gone(ref.run_id);
      for (
        const [name, code, text] of [
          [
            "leaky",
            "INVALID_INPUT",
            /"env\.FIXTURE_WORD" uses \$\{E2E_SECRET\}, which a project's \.mcp\.json may not expand .* SWARM_MCP_PROJECT_VARS=E2E_SECRET/,
          ],
          [
            "far",
            "FORBIDDEN",
            /the project's \.mcp\.json names .*mcp-server, outside the project dir/,
          ],
        ] as const
      ) {
        const r = await withProject.call("run", { ...base, prompt: "hi", mcps: [name] }, {
          allowError: true,
        });
        assert.equal(r.isError, true, r.text);
        assert.match(r.text, text);
        assert.match(r.text, new RegExp(`^Cannot give the agent MCP server "${name}"`));
        assert.doesNotMatch(r.text, /host-secret/);
      }
    } finally {
      await withProject.close();
      await rm(home, { recursive: true, force: true });
      await rm(project, { recursive: true, force: true });
    }
  });

  describe("a loopback ANTHROPIC_BASE_URL from the host", () => {
    let hostModel: ModelServer;
    before(async () => {
      // The scripted model on this host, listening on the gateway only (as a proxy on 0.0.0.0
      // would be reachable there); the server is told 127.0.0.1, as Claude Code passes its own.
      hostModel = await startModelServer({ host: gateway, scriptsDir: model.scriptsDir });
    });
    after(() => hostModel?.close());

    it("is pointed at the gateway when the model answers there, and refused before start when not", async () => {
      const viaHost = await startBinary({
        ANTHROPIC_BASE_URL: `http://127.0.0.1:${hostModel.port}`,
        ANTHROPIC_API_KEY: "sk-test-not-a-real-key",
      });
      try {
        await model.script("viahost", { turns: [{ text: "answered through the gateway" }] });
        const ref = await viaHost.call("run", { ...base, prompt: "[[script:viahost]] hi" });
        assert.equal(ref.status, "ok", ref.error);
        const out = await viaHost.call("unwrap", { ref: ref.ref });
        assert.equal(await readFile(out.file, "utf8"), "answered through the gateway");
      } finally {
        await viaHost.close();
      }
      const dead = await startBinary({
        ANTHROPIC_BASE_URL: "http://127.0.0.1:9",
        ANTHROPIC_API_KEY: "sk-test-not-a-real-key",
      });
      try {
        const started = Date.now();
        const r = await dead.call("run", { ...base, prompt: "hi" }, { allowError: true });
        assert.equal(r.isError, true);
        assert.match(
          r.text,
          /Cannot start the agent with ANTHROPIC_BASE_URL: http:\/\/127\.0\.0\.1:9 is this host's loopback, and nothing answers at [\d.]+:9/,
        );
        assert.ok(Date.now() - started < 15_000, "refused at once, not after the CLI's retries");
      } finally {
        await dead.close();
      }
    });
  });
});
