// swarm-mcp.json beside the binary is the default manifest, and a manifest names code the server
// runs. A download left in a shared dir (/tmp: sticky, world-writable) must not load one another
// user planted there, nor one anybody else may edit; a private dir's still loads.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { BINARY, binarySkip } from "../helpers/binary.ts";
import { within } from "../helpers/wait.ts";

describe("the manifest beside the binary", { skip: binarySkip }, () => {
  let dir = "";
  let data = "";
  const marker = () => join(dir, "factory-ran");

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "swarm-beside-"));
    data = await mkdtemp(join(tmpdir(), "swarm-beside-data-"));
    await copyFile(BINARY, join(dir, "swarm-mcp"));
    await writeFile(join(dir, "swarm-mcp.json"), '{"plugins": ["./beside.ts"]}');
    await writeFile(
      join(dir, "beside.ts"),
      `import { writeFileSync } from "node:fs";
export default (core: any) => {
  writeFileSync(${JSON.stringify(marker())}, "ran");
  return { name: "beside", tools: [{ name: "beside_tool", description: "loaded from beside the binary",
    input: core.v.object({}), run: async () => ({}) }] };
};\n`,
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(data, { recursive: true, force: true });
  });

  /** Start the copy, list its tools, stop it; with all it said on stderr. */
  async function start(): Promise<{ tools: string[]; stderr: string }> {
    await rm(marker(), { force: true });
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    const transport = new StdioClientTransport({
      command: join(dir, "swarm-mcp"),
      env: {
        ...env,
        SWARM_DATA_DIR: data,
        SWARM_LOG_LEVEL: "info",
        DOCKER_HOST: "unix:///nonexistent/docker.sock",
      },
      stderr: "pipe",
    });
    let stderr = "";
    transport.stderr?.on("data", (d) => (stderr += d));
    const ended = new Promise((resolve) => transport.stderr?.on("end", resolve));
    const client = new Client({ name: "beside-test", version: "0" });
    await client.connect(transport);
    let tools: string[] = [];
    try {
      tools = (await client.listTools()).tools.map((t) => t.name);
    } finally {
      await client.close();
    }
    // All it logged, however the pipe's chunks and the answer interleaved.
    await within(ended, 5000, "the server's stderr to end after close");
    return { tools, stderr };
  }

  it("loads it from a dir only we may write", async () => {
    await chmod(dir, 0o755);
    const r = await start();
    assert.deepEqual(r.tools, ["beside_tool"], r.stderr);
    assert.ok(existsSync(marker()));
  });

  it("ignores it, running none of its code, in a shared dir like /tmp", async () => {
    await chmod(dir, 0o1777);
    try {
      const r = await start();
      assert.ok(!r.tools.includes("beside_tool"), r.tools.join(" "));
      assert.ok(r.tools.includes("run"), "the built-ins load instead");
      assert.equal(existsSync(marker()), false, "the planted plugin's factory ran");
      assert.match(r.stderr, /ignoring .*swarm-mcp\.json: it or .* may be changed by other users/);
    } finally {
      await chmod(dir, 0o755);
    }
  });

  it("ignores it when others may edit the file itself", async () => {
    await chmod(join(dir, "swarm-mcp.json"), 0o666);
    try {
      const r = await start();
      assert.ok(!r.tools.includes("beside_tool"), r.tools.join(" "));
      assert.equal(existsSync(marker()), false);
    } finally {
      await chmod(join(dir, "swarm-mcp.json"), 0o644);
    }
  });
});
