// The MCP surface end to end, three ways: in memory (source), the compiled binary over stdio, and
// the compiled binary over Streamable HTTP. No Docker needed: the test-only `slow` tool exercises
// progress and cancellation; run's argument validation exercises invalid input.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { createCore } from "../../src/core/core.ts";
import { readManifest } from "../../src/core/loader.ts";
import { connect } from "../../src/server/mcp.ts";
import { loadConfig } from "../../src/config.ts";
import { builtins } from "../../src/plugins/_registry.ts";
import { until, within } from "../helpers/wait.ts";

const root = join(import.meta.dirname, "..", "..");
const binary = join(root, "dist", "swarm-mcp");
const manifest = join(root, "test", "fixtures", "manifest.json");

async function env(): Promise<Record<string, string>> {
  const e: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) e[k] = v;
  return {
    ...e,
    SWARM_DATA_DIR: await mkdtemp(join(tmpdir(), "swarm-e2e-")),
    SWARM_LOG_LEVEL: "info",
  };
}

type Setup = () => Promise<{ client: Client; close(): Promise<void> }>;

const setups: Record<string, Setup> = {
  async "in memory"() {
    const e = await env();
    const handle = await createCore(loadConfig(e, "test"));
    await handle.load(await readManifest(manifest), builtins);
    const [a, b] = InMemoryTransport.createLinkedPair();
    await connect(handle.registry, { name: "swarm-mcp", version: "test" }, b);
    const client = new Client({ name: "e2e", version: "0" });
    await client.connect(a);
    return {
      client,
      close: async () => {
        await client.close();
        await handle.shutdown("test done");
      },
    };
  },
  async "binary over stdio"() {
    const client = new Client({ name: "e2e", version: "0" });
    await client.connect(
      new StdioClientTransport({
        command: binary,
        args: ["--manifest", manifest],
        env: await env(),
        stderr: "ignore",
      }),
    );
    return { client, close: () => client.close() };
  },
  async "binary over HTTP"() {
    // No --token: the binary makes one in the data dir and prints the client entry on stderr.
    const child = spawn(binary, ["--http", "--port", "0", "--manifest", manifest], {
      env: await env(),
      stdio: ["ignore", "ignore", "pipe"],
    });
    const entry = await new Promise<{ url: string; headers: Record<string, string> }>(
      (resolve, reject) => {
        let err = "";
        const timer = setTimeout(
          () => reject(new Error(`no mcpServers entry on stderr within 20 s: ${err}`)),
          20_000,
        );
        child.stderr!.on("data", (d) => {
          err += d;
          const m = /^(\{"mcpServers".*\})$/m.exec(err);
          if (m) {
            resolve((clearTimeout(timer), JSON.parse(m[1]!).mcpServers.swarm));
          }
        });
        child.on("exit", (c) => reject(new Error(`server exited ${c}: ${err}`)));
      },
    );
    assert.match(entry.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const refused = await fetch(entry.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(refused.status, 401, "no token, no entry");
    const client = new Client({ name: "e2e", version: "0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(entry.url), {
        requestInit: { headers: entry.headers },
      }),
    );
    return {
      client,
      close: async () => {
        await client.close();
        child.kill("SIGTERM");
      },
    };
  },
};

for (const [name, setup] of Object.entries(setups)) {
  const needsBinary = name.startsWith("binary");
  describe(`MCP ${name}`, {
    skip: needsBinary && !existsSync(binary)
      ? "dist/swarm-mcp is not built (npm run build)"
      : false,
  }, () => {
    let s: Awaited<ReturnType<Setup>>;
    before(async () => void (s = await setup()));
    after(() => s?.close());

    it("lists the tools with described JSON Schemas", async () => {
      const { tools } = await s.client.listTools();
      const names = tools.map((t) => t.name);
      for (
        const n of [
          "run",
          "unwrap",
          "inspect",
          "wait",
          "status",
          "cancel",
          "runs",
          "slow",
          "best_of",
        ]
      ) assert.ok(names.includes(n), `missing ${n}`);
      const run = tools.find((t) => t.name === "run")!;
      assert.equal(run.inputSchema.type, "object");
      assert.ok((run.inputSchema.required as string[]).includes("prompt"));
      assert.match(JSON.stringify(run.inputSchema.properties), /"description"/);
    });

    it("calls a tool and sends progress notifications when asked", async () => {
      const seen: number[] = [];
      const res = await s.client.callTool({ name: "slow", arguments: { ms: 300 } }, undefined, {
        onprogress: (p) => void seen.push(p.progress),
      });
      assert.ok(!res.isError, JSON.stringify(res));
      assert.ok((res.structuredContent as { ticks: number }).ticks >= 2);
      assert.ok(seen.length >= 2, `progress seen: ${seen.length}`);
      assert.ok(seen.every((p, i) => i === 0 || p > seen[i - 1]!), "progress increases");
    });

    it("cancels a call promptly and stays usable", async () => {
      const ctl = new AbortController();
      const started = Date.now();
      const call = s.client.callTool({ name: "slow", arguments: { ms: 20000 } }, undefined, {
        signal: ctl.signal,
      });
      setTimeout(() => ctl.abort("test cancels"), 200);
      await assert.rejects(call);
      assert.ok(Date.now() - started < 2000);
      const again = await s.client.callTool({ name: "slow", arguments: { ms: 10 } });
      assert.ok(!again.isError);
    });

    it("an invalid argument is an isError result naming the field", async () => {
      const res = await s.client.callTool({ name: "slow", arguments: { ms: "soon" } });
      assert.equal(res.isError, true);
      assert.match((res.content as { text: string }[])[0]!.text, /Invalid arguments for slow: ms:/);
      assert.equal(
        (res.structuredContent as { error: { code: string } }).error.code,
        "INVALID_INPUT",
      );
      const bad = await s.client.callTool({
        name: "unwrap",
        arguments: { ref: "../../etc/passwd" },
      });
      assert.equal(bad.isError, true);
      assert.match((bad.content as { text: string }[])[0]!.text, /Cannot read ref/);
    });
  });
}

describe(
  "binary stdout",
  { skip: existsSync(binary) ? false : "dist/swarm-mcp is not built" },
  () => {
    it("carries JSON-RPC only: every line parses as a JSON-RPC 2.0 message", async () => {
      const child: ChildProcess = spawn(binary, ["--manifest", manifest], {
        env: await env(),
        stdio: ["pipe", "pipe", "pipe"],
      });
      const lines: string[] = [];
      let buf = "";
      child.stdout!.on("data", (d) => {
        buf += d;
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          lines.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
      const send = (m: object) => child.stdin!.write(JSON.stringify(m) + "\n");
      send({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-11-25",
          capabilities: {},
          clientInfo: { name: "raw", version: "0" },
        },
      });
      send({ jsonrpc: "2.0", method: "notifications/initialized" });
      send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
      send({
        jsonrpc: "2.0",
        id: 3,
        method: "tools/call",
        params: { name: "slow", arguments: { ms: 120 }, _meta: { progressToken: "p" } },
      });
      send({ jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "run", arguments: {} } });
      const exited = new Promise((r) => child.on("exit", r));
      try {
        await until(
          "answers to calls 3 and 4",
          () => lines.some((l) => l.includes('"id":4')) && lines.some((l) => l.includes('"id":3')),
          30000,
          20,
        );
      } catch (e) {
        child.kill("SIGKILL");
        throw e;
      }
      child.stdin!.end();
      const code = await within(exited, 10000, "the server exiting after stdin EOF");
      assert.equal(code, 0, "stdin EOF ends the server cleanly");
      assert.ok(lines.length >= 5);
      for (const l of lines) {
        const m = JSON.parse(l);
        assert.equal(m.jsonrpc, "2.0", l);
      }
      assert.ok(lines.some((l) => l.includes("notifications/progress")));
    });
  },
);
