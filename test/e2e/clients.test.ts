// Real clients' habits against the compiled binary and real containers: the TS SDK's default
// 60 s request timeout (a 75 s agent still gets its result through the handle and wait), a
// client that stops waiting (its timeout's cancel leaves the run going), a user's stop (containers
// gone within 2 s), and MCP logging for clients that ask for it.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { type BinaryServer, binarySkip, startBinary } from "../helpers/binary.ts";
import { agentImage, dockerSkip, ownedContainers } from "../helpers/docker-env.ts";
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
