// A real core with the built-in plugins, a fake container runtime and a temp data dir, plus an MCP
// client connected over an in-memory transport: what the combinator and contract tests drive.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { Progress } from "@modelcontextprotocol/sdk/types.js";
import { loadConfig } from "../../src/config.ts";
import { type CoreHandle, createCore } from "../../src/core/core.ts";
import { configureLog } from "../../src/core/log.ts";
import { connect } from "../../src/server/mcp.ts";
import type { Core, PluginFactory } from "../../src/core/types.ts";
import { builtins, defaultPlugins } from "../../src/plugins/_registry.ts";
import { FakeRuntime } from "./fake-runtime.ts";

export interface HarnessOptions {
  runtime?: FakeRuntime;
  /** Extra environment (SWARM_MAX_CONCURRENT, SWARM_QUEUE_TIMEOUT, SWARM_RESOURCE_<name>…). */
  env?: Record<string, string>;
  /** Reuse a data dir (a "restarted" server); it is then left in place by dispose(). */
  dataDir?: string;
  /** Extra plugins loaded after the built-ins, e.g. a stand-in validate tool. */
  plugins?: Record<string, PluginFactory>;
  /** Built-ins to load (default: all of them). */
  builtins?: string[];
}

export interface CallResult {
  isError: boolean;
  text: string;
  // deno-lint-ignore no-explicit-any
  data: any;
}

export interface Harness {
  core: Core;
  handle: CoreHandle;
  client: Client;
  runtime: FakeRuntime;
  dataDir: string;
  /** Call a tool through MCP; `data` is structuredContent (for an error, its `error` object). */
  call(
    name: string,
    args?: Record<string, unknown>,
    opts?: { onprogress?: (p: Progress) => void; signal?: AbortSignal },
  ): Promise<CallResult>;
  /** Shut the core down and remove the data dir (unless it was given, or `keep`). */
  dispose(opts?: { keep?: boolean }): Promise<void>;
}

export async function createHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const own = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? await mkdtemp(join(tmpdir(), "swarm-test-"));
  const env: Record<string, string> = {
    HOME: join(dataDir, "home"),
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    SWARM_DATA_DIR: join(dataDir, "data"),
    // The claude driver only forwards it; nothing is ever sent anywhere.
    ANTHROPIC_API_KEY: "sk-ant-fake-for-tests",
    ...opts.env,
  };
  configureLog(env.SWARM_LOG_LEVEL ?? process.env.SWARM_LOG_LEVEL ?? "error", undefined);
  const runtime = opts.runtime ?? new FakeRuntime();
  const config = loadConfig(env, "test");
  runtime.policy = config;
  const handle = await createCore(config, {
    runtime,
    ensureImage: async () => {},
  });
  const names = opts.builtins ?? defaultPlugins;
  const extra = opts.plugins ?? {};
  await handle.load(
    {
      plugins: [
        ...names.map((n) => `builtin:${n}`),
        ...Object.keys(extra).map((n) => `builtin:${n}`),
      ],
      base: process.cwd(),
      source: "harness",
    },
    { ...builtins, ...extra },
  );
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await connect(handle.registry, { name: "swarm-mcp", version: "test" }, serverSide);
  const client = new Client({ name: "harness", version: "0" });
  await client.connect(clientSide);

  return {
    core: handle.core,
    handle,
    client,
    runtime,
    dataDir,
    async call(name, args = {}, o = {}) {
      const res = await client.callTool({ name, arguments: args }, undefined, {
        onprogress: o.onprogress,
        signal: o.signal,
        timeout: 120_000,
      });
      const text = (res.content as { type: string; text?: string }[]).map((c) => c.text ?? "").join(
        "",
      );
      const sc = res.structuredContent as Record<string, unknown> | undefined;
      return { isError: res.isError === true, text, data: res.isError ? sc?.error : sc ?? text };
    },
    async dispose(d = {}) {
      await client.close().catch(() => {});
      await handle.shutdown("test done");
      if (own && !d.keep) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
