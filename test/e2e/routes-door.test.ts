// Door 7 in the compiled binary: a plugin FILE named in a manifest subscribes to core.events and
// serves GET /plugins/test-events/events in --http mode; after a real command agent's run the route
// answers with that run's events, behind the same token and Host checks as /mcp.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { SwarmEvent } from "../../src/core/types.ts";
import { BINARY, binarySkip, TEST_HOST_ID } from "../helpers/binary.ts";
import {
  AGENT_IMAGE,
  agentImage,
  dockerSkip,
  ownedContainers,
  ROOT,
  TEST_NETWORKS,
} from "../helpers/docker-env.ts";
import { rawHttp } from "../helpers/raw-http.ts";
import { within } from "../helpers/wait.ts";

const skip = binarySkip || (await dockerSkip());
const TOKEN = "routes-door-token-0123456789";

describe("routes door: a plugin file serves its events over --http", { skip }, () => {
  let child: ChildProcess | undefined;
  let client: Client | undefined;
  let dataDir = "";
  let port = 0;
  before(async () => {
    await agentImage();
    dataDir = await mkdtemp(join(tmpdir(), "swarm-routes-"));
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !k.startsWith("ANTHROPIC_") && !k.startsWith("CLAUDE_")) env[k] = v;
    }
    const manifest = join(ROOT, "test", "fixtures", "routes-manifest.json");
    child = spawn(BINARY, ["--http", "--port", "0", "--token", TOKEN, "--manifest", manifest], {
      env: {
        ...env,
        SWARM_DATA_DIR: join(dataDir, "data"),
        SWARM_IMAGE: AGENT_IMAGE,
        SWARM_HOST_ID: TEST_HOST_ID,
        SWARM_ALLOW_NETWORKS: TEST_NETWORKS,
        SWARM_LOG_LEVEL: "info",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    const listening = new Promise<string[]>((resolve, reject) => {
      child!.stderr!.on("data", (d) => {
        err += d;
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\/mcp; plugin routes: (.*)/.exec(err);
        if (m) resolve([m[1]!, m[2]!]);
      });
      child!.on("exit", (c) => reject(new Error(`the server exited ${c}: ${err}`)));
    });
    const [p, routes] = await within(listening, 20_000, "the listening line on stderr");
    port = Number(p);
    assert.match(routes!, /GET \/plugins\/test-events\/events/);
    client = new Client({ name: "routes-door", version: "0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
  });
  after(async () => {
    await client?.close().catch(() => {});
    child?.kill("SIGTERM");
    if (child && child.exitCode === null) {
      await within(new Promise((r) => child!.once("exit", r)), 15_000, "the server to exit")
        .catch(() => child!.kill("SIGKILL"));
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it("after a run, GET /plugins/test-events/events answers its events; no token 401, foreign Host 403", async () => {
    const res = await client!.callTool(
      {
        name: "run",
        arguments: {
          agent: "command",
          image: AGENT_IMAGE, // the command driver has no image of its own
          command: ["echo", "hi"],
          prompt: "x",
          network: false,
        },
      },
      undefined,
      { timeout: 120_000 },
    );
    assert.ok(!res.isError, JSON.stringify(res.content));
    const ref = res.structuredContent as { ref: string; run_id: string; status: string };
    assert.equal(ref.status, "ok", JSON.stringify(ref));
    assert.deepEqual(await ownedContainers({ "swarm-mcp.run": ref.run_id }), []);

    const url = `http://127.0.0.1:${port}/plugins/test-events/events`;
    const got = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(got.status, 200);
    const events = ((await got.json()) as SwarmEvent[]).filter((e) =>
      ("run_id" in e ? e.run_id : e.ref.run_id) === ref.run_id
    );
    assert.deepEqual(events.map((e) => e.type), [
      "run.started",
      "agent.started",
      "agent.finished",
      "run.progress",
      "run.finished",
    ]);
    assert.deepEqual(events[1], {
      type: "agent.started",
      ref: ref.ref,
      run_id: ref.run_id,
      agent_id: ref.ref.split("/")[1],
      image: AGENT_IMAGE,
    });
    assert.equal(events[2]?.type === "agent.finished" && events[2].ref.status, "ok");
    assert.equal(events[4]?.type === "run.finished" && events[4].status, "done");

    assert.equal((await fetch(url)).status, 401);
    const foreign = await rawHttp(
      port,
      [
        "GET /plugins/test-events/events HTTP/1.1",
        "host: evil.example",
        `authorization: Bearer ${TOKEN}`,
        "connection: close",
      ].join("\r\n") + "\r\n\r\n",
    );
    assert.equal(foreign.status, 403);
  });
});
