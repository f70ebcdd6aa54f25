// Start the compiled binary with an SDK client over stdio, for end-to-end tests.
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ROOT, TEST_NETWORKS, uniqueName } from "./docker-env.ts";

export const BINARY = join(ROOT, "dist", "swarm-mcp");
export const binarySkip = existsSync(BINARY)
  ? false
  : "dist/swarm-mcp is not built (npm run build)";
/** The host label of every server this test process starts: other servers' reapers on the same engine leave them alone. */
export const TEST_HOST_ID = uniqueName("swarm-test-host");

export interface BinaryServer {
  client: Client;
  dataDir: string;
  transport: StdioClientTransport;
  /** Call a tool and return its structured result; throws with the text on isError unless allowed. */
  call(
    name: string,
    args: Record<string, unknown>,
    opts?: {
      allowError?: boolean;
      onprogress?: (p: { progress: number; message?: string }) => void;
      signal?: AbortSignal;
    },
  ): Promise<any>;
  close(): Promise<void>;
}

export async function startBinary(
  env: Record<string, string>,
  args: string[] = [],
): Promise<BinaryServer> {
  const dataDir = env.SWARM_DATA_DIR ?? (await mkdtemp(join(tmpdir(), "swarm-e2e-")));
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("ANTHROPIC_") && !k.startsWith("CLAUDE_")) base[k] = v;
  }
  const transport = new StdioClientTransport({
    command: BINARY,
    args,
    env: {
      ...base,
      SWARM_DATA_DIR: dataDir,
      SWARM_LOG_LEVEL: "info",
      SWARM_HOST_ID: TEST_HOST_ID,
      SWARM_ALLOW_NETWORKS: TEST_NETWORKS,
      ...env,
    },
    stderr: process.env.SWARM_TEST_VERBOSE ? "inherit" : "ignore",
  });
  const client = new Client({ name: "swarm-e2e", version: "0" });
  await client.connect(transport);
  return {
    client,
    dataDir,
    transport,
    async call(name, a, opts = {}) {
      const res = await client.callTool({ name, arguments: a }, undefined, {
        timeout: 900_000,
        resetTimeoutOnProgress: true,
        onprogress: opts.onprogress,
        signal: opts.signal,
      });
      const text = (res.content as { text?: string }[])?.[0]?.text ?? "";
      if (res.isError && !opts.allowError) throw new Error(`${name} failed: ${text}`);
      return res.isError
        ? { isError: true, text, ...(res.structuredContent as object) }
        : res.structuredContent;
    },
    close: () => client.close(),
  };
}

/** The binary on the echo runtime (test/fixtures/plugins/echo-runtime.ts) with a manifest that
 * loads it, and no Docker engine reachable: a door test that must not need one. */
export function startOnEcho(manifest: string): Promise<BinaryServer> {
  return startBinary(
    { SWARM_RUNTIME: "echo", DOCKER_HOST: "unix:///nonexistent/docker.sock" },
    ["--manifest", manifest],
  );
}
