// Real clients' habits against the compiled binary and real containers: the TS SDK's default
// 60 s request timeout (a 75 s agent still gets its result through the handle and wait), a
// client that stops waiting (its timeout's cancel leaves the run going), a user's stop (containers
// gone within 2 s), over stdio and over --http, and MCP logging for clients that ask for it.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import {
  BINARY,
  type BinaryServer,
  binarySkip,
  startBinary,
  TEST_HOST_ID,
} from "../helpers/binary.ts";
import { agentImage, dockerSkip, ownedContainers, TEST_NETWORKS } from "../helpers/docker-env.ts";
import { until, within } from "../helpers/wait.ts";

const skip = binarySkip || (await dockerSkip());
const sleeper = (s: number) => ({
  agent: "command",
  command: ["sh", "-c", `sleep ${s}; echo slept ${s}`],
  prompt: "ignored",
  network: false,
  timeout: 300,
});
type Text = { content: { text: string }[]; structuredContent: any; isError?: boolean };

/** The user presses stop: the call fails and the run's containers are gone within 2 s. */
async function stopRemovesContainers(ctl: AbortController, call: Promise<unknown>, runId: string) {
  const t0 = Date.now();
  ctl.abort("the user pressed stop");
  await assert.rejects(call);
  await until(
    "the containers are gone",
    async () => (await ownedContainers({ "swarm-mcp.run": runId })).length === 0,
    2000,
    100,
  );
  assert.ok(Date.now() - t0 <= 2100);
}

describe("clients with their default settings", { skip }, () => {
  let server: BinaryServer;
  before(async () => {
    await agentImage();
    server = await startBinary({});
  });
  after(() => server?.close());

  it("a TS SDK client with its default 60 s timeout gets a 75 s agent's result", async () => {
    const t0 = Date.now();
    // No request options: the SDK's own default timeout (60 s), no progress reset.
    const first = await server.client.callTool({ name: "run", arguments: sleeper(75) }) as Text;
    assert.ok(!first.isError, first.content[0]?.text);
    assert.equal(first.structuredContent.status, "running", "the handle comes back before 60 s");
    assert.ok(Date.now() - t0 < 60_000);
    const runId = first.structuredContent.run_id;
    const ref = (await server.client.callTool({ name: "wait", arguments: { run_id: runId } }))
      .structuredContent as { status: string; ref: string };
    assert.equal(ref.status, "ok", JSON.stringify(ref));
    assert.ok(Date.now() - t0 >= 75_000);
    assert.equal((await server.call("status", { run_id: runId })).status, "done");
  });

  it("a client that stops waiting leaves the run going: runs lists it, wait finishes it", async () => {
    const call = server.client.callTool({ name: "run", arguments: sleeper(8) }, undefined, {
      timeout: 2000,
    });
    await assert.rejects(call, /Request timed out/);
    const listed = await server.call("runs", {});
    const run = (listed.runs ?? listed).find((r: { status: string; tool: string }) =>
      r.status === "running" && r.tool === "run"
    );
    assert.ok(run, `a running run is listed: ${JSON.stringify(listed)}`);
    await new Promise((r) => setTimeout(r, 2000)); // a kill would have landed by now
    assert.equal((await ownedContainers({ "swarm-mcp.run": run.run_id })).length, 1);
    const ref = await within(
      server.call("wait", { run_id: run.run_id, wait_s: 30 }),
      30_000,
      "wait",
    );
    assert.equal(ref.status, "ok", JSON.stringify(ref));
  });

  it("a user's stop (any other cancel) still removes the containers within 2 s", async () => {
    const ctl = new AbortController();
    const call = server.client.callTool({ name: "run", arguments: sleeper(60) }, undefined, {
      signal: ctl.signal,
    });
    let runId = "";
    await until(
      "the agent's container runs",
      async () => {
        const listed = await server.call("runs", {});
        runId = (listed.runs ?? listed).find((r: { status: string }) => r.status === "running")
          ?.run_id ?? "";
        return !!runId && (await ownedContainers({ "swarm-mcp.run": runId })).length > 0;
      },
      30_000,
      250,
    );
    await stopRemovesContainers(ctl, call, runId);
  });

  it("sends the run lifecycle as log messages once the client sets a level, none before", async () => {
    const seen: { level: string; data: { message?: string } }[] = [];
    server.client.setNotificationHandler(
      LoggingMessageNotificationSchema,
      (n) => void seen.push(n.params as never),
    );
    const quiet = await server.call("run", { ...sleeper(0), command: ["echo", "a"] });
    assert.equal(quiet.status, "ok");
    assert.equal(seen.length, 0, "no log messages unasked");
    await server.client.setLoggingLevel("info");
    const ref = await server.call("run", { ...sleeper(0), command: ["echo", "b"] });
    const texts = seen.map((m) => `${m.level} ${m.data.message}`);
    assert.ok(
      texts.some((t) => t === `info run ${ref.run_id} started: run, 1 agent(s)`),
      texts.join("\n"),
    );
    assert.ok(texts.some((t) => t.startsWith(`info run ${ref.run_id} done`)), texts.join("\n"));
    assert.ok(!texts.some((t) => t.startsWith("debug")), "below the level set: not sent");
  });
});

describe("clients over --http: a timeout's cancel versus a user's stop", { skip }, () => {
  const TOKEN = "clients-test-http-token-0123456789";
  let child: ChildProcess;
  let client: Client;
  before(async () => {
    await agentImage();
    child = spawn(BINARY, ["--http", "--port", "0"], {
      env: {
        ...process.env,
        SWARM_DATA_DIR: await mkdtemp(join(tmpdir(), "swarm-clients-http-")),
        SWARM_HTTP_TOKEN: TOKEN,
        SWARM_LOG_LEVEL: "info",
        SWARM_HOST_ID: TEST_HOST_ID,
        SWARM_ALLOW_NETWORKS: TEST_NETWORKS,
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let log = "";
    child.stderr!.on("data", (d) => (log += d));
    await until("the server listens", () => /listening on http:\S+\/mcp/.test(log), 10_000);
    const url = /listening on (http:\S+\/mcp)/.exec(log)![1]!;
    client = new Client({ name: "clients-http", version: "0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
  });
  after(async () => {
    await client?.close().catch(() => {});
    child?.kill("SIGTERM");
  });
  const call = async (name: string, args: object) =>
    (await client.callTool({ name, arguments: args as Record<string, unknown> }) as Text)
      .structuredContent;
  const running = async () =>
    ((await call("runs", {})).runs as { run_id: string; status: string }[])
      .find((r) => r.status === "running")?.run_id ?? "";

  it("a client's request timeout leaves the run going; wait finishes it", async () => {
    const first = client.callTool({ name: "run", arguments: sleeper(8) }, undefined, {
      timeout: 2000,
    });
    await assert.rejects(first, /Request timed out/);
    const runId = await running();
    assert.ok(runId, "a running run is listed");
    await new Promise((r) => setTimeout(r, 2000)); // a kill would have landed by now
    assert.equal((await ownedContainers({ "swarm-mcp.run": runId })).length, 1);
    const ref = await within(call("wait", { run_id: runId, wait_s: 30 }), 30_000, "wait");
    assert.equal(ref.status, "ok", JSON.stringify(ref));
  });

  it("a user's stop removes the containers within 2 s", async () => {
    const ctl = new AbortController();
    const first = client.callTool({ name: "run", arguments: sleeper(60) }, undefined, {
      signal: ctl.signal,
    });
    let runId = "";
    await until(
      "the agent's container runs",
      async () =>
        !!(runId = await running()) &&
        (await ownedContainers({ "swarm-mcp.run": runId })).length > 0,
      30_000,
      250,
    );
    await stopRemovesContainers(ctl, first, runId);
  });
});
