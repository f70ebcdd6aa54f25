// Credentials at rest. The host's OAuth file reaches an agent without its refresh token and leaves
// the agent dir when the agent ends, whatever the outcome; the start-up sweep removes copies left by
// a dead server without entering planted links; and after real CLI runs no file under the data dir
// holds the API key, the refresh token or the access token.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostname } from "../../src/core/runtime/platform.ts";
import { type BinaryServer, binarySkip, startBinary, TEST_HOST_ID } from "../helpers/binary.ts";
import { agentImage, dockerSkip, type ModelEnv, startModelEnv } from "../helpers/docker-env.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";
import { until } from "../helpers/wait.ts";

const tag = randomBytes(8).toString("hex");
const API_KEY = `sk-ant-test-${tag}`;
const ACCESS = `sk-ant-oat01-access-${tag}`;
const REFRESH = `sk-ant-ort01-refresh-${tag}`;
const MCP_SECRET = `mcp-oauth-secret-${tag}`;
const DEAD_PID = 4194305;

const hostCredentials = () =>
  JSON.stringify({
    claudeAiOauth: {
      accessToken: ACCESS,
      refreshToken: REFRESH,
      expiresAt: Date.now() + 3600_000,
      scopes: ["user:inference", "user:profile"],
      subscriptionType: "max",
    },
    mcpOAuth: { "github|x": { accessToken: MCP_SECRET } },
  });

async function writeHostHome(home: string): Promise<void> {
  await mkdir(join(home, ".claude"), { recursive: true });
  await writeFile(join(home, ".claude", ".credentials.json"), hostCredentials(), { mode: 0o600 });
}

/** Every regular file under `root`, links never followed; returns "path: needle" for each hit. */
async function scan(root: string, needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  const walk = async (dir: string) => {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const p = join(dir, name);
      const st = await lstat(p);
      if (st.isDirectory()) await walk(p);
      else if (st.isFile()) {
        const text = (await readFile(p)).toString("latin1");
        for (const n of needles) if (text.includes(n)) hits.push(`${p}: ${n}`);
      }
    }
  };
  await walk(root);
  return hits;
}

describe("staged OAuth credentials (fake runtime)", () => {
  let h: Harness;
  let home: string;

  before(async () => {
    const base = await mkdtemp(join(tmpdir(), "swarm-creds-"));
    home = join(base, "host-home");
    await writeHostHome(home);
    h = await createHarness({ env: { HOME: home, ANTHROPIC_API_KEY: "" } });
  });
  after(() => h.dispose());

  const outcomes: [string, Record<string, unknown>, string][] = [
    ["ok", { prompt: "[[fake sleep=400]] hi" }, "ok"],
    ["failed", { prompt: '[[fake sleep=400 fail="boom"]] hi' }, "failed"],
    ["timeout", { prompt: "[[fake hang]] hi", timeout: 1 }, "timeout"],
    ["cancelled", { prompt: "[[fake hang]] hi", wait_s: 0 }, "cancelled"],
  ];
  for (const [name, args, status] of outcomes) {
    it(`the agent gets the access token only, and the copy is gone once it ends ${name}`, async () => {
      const before = h.runtime.calls.length;
      const call = h.call("run", { model: "claude-sonnet-4-5", ...args });
      await h.runtime.until((rt) => rt.calls.length > before, 5000);
      const fake = h.runtime.calls[before]!;
      const staged = join(
        fake.opts.binds.find((b) => b.container === "/home/agent")!.host,
        ".claude",
        ".credentials.json",
      );
      const copy = JSON.parse(await readFile(staged, "utf8"));
      assert.equal(copy.claudeAiOauth.accessToken, ACCESS);
      assert.equal(copy.claudeAiOauth.subscriptionType, "max");
      assert.equal(
        copy.claudeAiOauth.refreshToken,
        undefined,
        "the refresh token never reaches the agent",
      );
      assert.equal(copy.mcpOAuth, undefined, "other secrets in the file stay on the host");
      assert.equal((await lstat(staged)).mode & 0o777, 0o600);
      let ref = (await call).data;
      if (name === "cancelled") ref = (await h.call("cancel", { run_id: ref.run_id })).data;
      else assert.equal(ref.status, status, JSON.stringify(ref));
      if (name === "cancelled") assert.equal(ref.status, "cancelled");
      await until(
        "the staged credentials removed",
        async () => !(await lstat(staged).catch(() => null)),
        3000,
      );
      assert.deepEqual(await scan(h.core.config.dataDir, [ACCESS, REFRESH, MCP_SECRET]), []);
    });
  }

  it("hostile credentials file: without an OAuth access token nothing is copied", async () => {
    await writeFile(
      join(home, ".claude", ".credentials.json"),
      JSON.stringify({ claudeAiOauth: { refreshToken: REFRESH } }),
    );
    try {
      const before = h.runtime.calls.length;
      const call = h.call("run", { model: "claude-sonnet-4-5", prompt: "[[fake sleep=300]] hi" });
      await h.runtime.until((rt) => rt.calls.length > before, 5000);
      const homeDir = h.runtime.calls[before]!.opts.binds.find((b) =>
        b.container === "/home/agent"
      )!.host;
      assert.equal(
        await lstat(join(homeDir, ".claude", ".credentials.json")).catch(() => null),
        null,
      );
      await call;
    } finally {
      await writeHostHome(home);
    }
  });

  it("hostile agent dirs at start-up: copies of ended runs are swept, live runs' kept, links never entered", async () => {
    const data = h.core.config.dataDir;
    const outside = await mkdtemp(join(tmpdir(), "swarm-outside-"));
    await mkdir(join(outside, ".claude"), { recursive: true });
    await writeFile(join(outside, ".claude", ".credentials.json"), "HOST");
    const plant = async (
      runId: string,
      status: string,
      pid: number,
      agents: Record<string, "file" | "claude-link" | "home-link">,
    ) => {
      await mkdir(join(data, runId), { recursive: true });
      await writeFile(
        join(data, runId, "run.json"),
        JSON.stringify({
          run_id: runId,
          tool: "run",
          status,
          started_at: new Date().toISOString(),
          done: 0,
          total: 1,
          failed: 0,
          cost_usd: 0,
          refs: [],
          error: null,
          owner: { instance: "abcabcabcabc", pid, host: hostname() },
        }),
      );
      for (const [agent, kind] of Object.entries(agents)) {
        const dir = join(data, runId, agent);
        await mkdir(dir, { recursive: true });
        if (kind === "home-link") await symlink(outside, join(dir, "home"));
        else if (kind === "claude-link") {
          await mkdir(join(dir, "home"));
          await symlink(join(outside, ".claude"), join(dir, "home", ".claude"));
        } else {
          await mkdir(join(dir, "home", ".claude"), { recursive: true });
          await writeFile(join(dir, "home", ".claude", ".credentials.json"), ACCESS);
        }
      }
    };
    await plant("c0c0c0c0c001", "done", DEAD_PID, {
      "agent-0": "file",
      "agent-1": "claude-link",
      "agent-2": "home-link",
    });
    await plant("c0c0c0c0c002", "running", DEAD_PID, { "agent-0": "file" });
    await plant("c0c0c0c0c003", "running", process.pid, { "agent-0": "file" }); // another live server's
    await h.handle.reap();
    const has = (run: string) =>
      lstat(join(data, run, "agent-0", "home", ".claude", ".credentials.json")).then(
        () => true,
        () => false,
      );
    assert.equal(await has("c0c0c0c0c001"), false, "a finished run's copy is removed");
    assert.equal(await has("c0c0c0c0c002"), false, "a dead server's run's copy is removed");
    assert.equal(await has("c0c0c0c0c003"), true, "a live server's agent keeps its credentials");
    assert.equal(
      await readFile(join(outside, ".claude", ".credentials.json"), "utf8"),
      "HOST",
      "links are never entered",
    );
    await rm(outside, { recursive: true, force: true });
  });
});

const e2eSkip = binarySkip || (await dockerSkip());

describe("no secret at rest after real CLI runs", { skip: e2eSkip }, () => {
  let model: ModelEnv;
  const servers: BinaryServer[] = [];
  let home: string;

  before(async () => {
    await agentImage();
    model = await startModelEnv();
    home = await mkdtemp(join(tmpdir(), "swarm-host-home-"));
    await writeHostHome(home);
  });
  after(async () => {
    for (const s of servers) await s.close().catch(() => {});
    await model?.stop();
    await rm(home, { recursive: true, force: true });
  });

  for (
    const [name, env] of [
      [
        "an API key in the environment",
        (): Record<string, string> => ({ ANTHROPIC_API_KEY: API_KEY }),
      ],
      ["the host's OAuth credentials file", (): Record<string, string> => ({})],
    ] as const
  ) {
    it(`every file of the data dir is free of secrets: ${name}`, async () => {
      const server = await startBinary({
        ...env(),
        HOME: home,
        ANTHROPIC_BASE_URL: model.baseUrl,
        SWARM_HOST_ID: TEST_HOST_ID,
      });
      servers.push(server);
      await model.script(`creds-${servers.length}`, { turns: [{ text: "All done." }] });
      const ref = await server.call("run", {
        prompt: `[[script:creds-${servers.length}]] hi`,
        network: model.network,
        model: "claude-sonnet-4-5",
      });
      assert.equal(ref.status, "ok", ref.error);
      const sent = (await model.requests()).filter((r) => r.marker === `creds-${servers.length}`);
      assert.ok(sent.length >= 1, "the CLI reached the model server");
      assert.deepEqual(await scan(server.dataDir, [API_KEY, ACCESS, REFRESH, MCP_SECRET, tag]), []);
    });
  }
});
