// Clear errors for new users: the claude driver's "Not logged in" warning only when no credential
// reaches the CLI (a key given through the call's env_vars does), and the answer to a 2026-07-28
// client's server/discover probe that makes it fall back to initialize (docs/sdk2-decision.md: a
// result there breaks the SDK 2.x client's default mode). The HTTP answers (401, 403 with
// --allowed-host) are in clients-http.test.ts.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createInterface } from "node:readline";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, binarySkip, TEST_HOST_ID } from "../helpers/binary.ts";
import { within } from "../helpers/wait.ts";
import { claudeDriver } from "../../src/plugins/claude-code/index.ts";
import { createDirs, fixture } from "../plugins/command/fake-core.ts";

describe("claude driver: the Not logged in warning", () => {
  test("is not given when the key comes through env_vars", async () => {
    const f = await fixture({});
    try {
      const job = f.job({ env_vars: { ANTHROPIC_API_KEY: "sk-ant-from-the-call" } });
      await createDirs(job);
      await claudeDriver(f.core).prepare(job);
      assert.deepEqual(f.warnings, []);
    } finally {
      await f.cleanup();
    }
  });

  test("is still given when no credential is anywhere", async () => {
    const f = await fixture({});
    try {
      const job = f.job({ env_vars: { UNRELATED: "x" } });
      await createDirs(job);
      await claudeDriver(f.core).prepare(job);
      assert.equal(f.warnings.length, 1);
      assert.match(f.warnings[0]!, /Not logged in/);
    } finally {
      await f.cleanup();
    }
  });
});

describe("protocol probe: server/discover", { skip: binarySkip }, () => {
  test("is answered -32601 (method not found), then initialize works on the same stdio", async () => {
    const dir = await mkdtemp(join(tmpdir(), "swarm-discover-"));
    const child = spawn(BINARY, [], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: dir,
        SWARM_DATA_DIR: dir,
        SWARM_HOST_ID: TEST_HOST_ID,
      },
      stdio: ["pipe", "pipe", "ignore"],
    });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const ask = async (id: number, method: string, params: object) => {
      child.stdin!.write(JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n");
      const line = await within(lines.next(), 10_000, `the answer to ${method}`);
      return JSON.parse(String(line.value));
    };
    try {
      const probe = await ask(1, "server/discover", {
        _meta: {
          "io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientCapabilities": {},
        },
      });
      assert.equal(probe.id, 1);
      assert.equal(probe.error?.code, -32601, JSON.stringify(probe));
      const init = await ask(2, "initialize", {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "probe", version: "0" },
      });
      assert.equal(init.result?.protocolVersion, "2025-11-25", JSON.stringify(init));
      assert.equal(init.result?.serverInfo?.name, "swarm-mcp");
    } finally {
      child.kill("SIGTERM");
      await rm(dir, { recursive: true, force: true });
    }
  });
});
