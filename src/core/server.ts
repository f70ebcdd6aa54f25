// The ONLY file that imports the MCP SDK. Publishes the tool table (valibot → JSON Schema), maps
// results and errors, turns MCP cancellation and transport close into AbortSignals, and serves
// stdio or Streamable HTTP (hono + the SDK's web-standard transport, stateful sessions).
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { toJsonSchema } from "@valibot/to-json-schema";
import { Hono } from "hono";
import { errorResult, type ToolResult } from "./errors.ts";
import { logger } from "./log.ts";
import type { ToolRegistry } from "./registry.ts";
import { serveFetch } from "./runtime/platform.ts";

const log = logger("server");

export interface ServerInfo {
  name: string;
  version: string;
}

function render(value: unknown): ToolResult {
  if (typeof value === "string") return { content: [{ type: "text", text: value }] };
  const text = JSON.stringify(value ?? null, null, 2);
  const structured = value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : { result: value ?? null };
  return { content: [{ type: "text", text }], structuredContent: structured };
}

/** One MCP server object per client connection (stdio, a test's in-memory pair, an HTTP session). */
export function createMcpServer(registry: ToolRegistry, info: ServerInfo): McpServer {
  const mcp = new McpServer(info, { instructions: "Spawn coding agents in Docker containers and compose them: run, par, map, chain, reduce, map_reduce, race, retry. Results are refs; call unwrap to read a ref's text. Long calls return a run_id: call wait rather than starting again." });
  mcp.server.registerCapabilities({ tools: {} });
  let listed: unknown[] | undefined;
  mcp.server.setRequestHandler(ListToolsRequestSchema, () => {
    listed ??= registry.list().map((t) => ({
      name: t.name,
      description: t.description,
      inputSchema: toJsonSchema(t.input, { errorMode: "ignore", target: "draft-2020-12" }),
      ...(t.annotations ? { annotations: t.annotations } : {}),
    }));
    return { tools: listed } as never;
  });
  mcp.server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const name = req.params.name;
    const token = req.params._meta?.progressToken;
    let last = -1;
    const progress = (done: number, total?: number, message?: string) => {
      if (token === undefined || extra.signal.aborted) return;
      // The spec wants strictly increasing progress, and heartbeats repeat `done`.
      const value = Math.max(done, Math.round((last + 0.001) * 1000) / 1000);
      last = value;
      extra.sendNotification({ method: "notifications/progress", params: { progressToken: token, progress: value, ...(total !== undefined ? { total } : {}), ...(message ? { message } : {}) } })
        .catch(() => {});
    };
    try {
      const value = await registry.invoke(name, req.params.arguments ?? {}, { signal: extra.signal, progress });
      return render(value) as never;
    } catch (e) {
      // Whatever a tool throws once its call was cancelled is the cancellation, not a bug.
      const reason = extra.signal.aborted ? new DOMException(String(extra.signal.reason ?? "cancelled"), "AbortError") : e;
      return errorResult(name, reason, (m) => log.error(m)) as never;
    }
  });
  return mcp;
}

export async function serveStdio(registry: ToolRegistry, info: ServerInfo, onClose: () => void): Promise<void> {
  const transport = new StdioServerTransport();
  transport.onclose = onClose;
  // The SDK transport does not notice stdin EOF by itself: closing it is our cue to shut down.
  process.stdin.on("end", onClose);
  await createMcpServer(registry, info).connect(transport);
}

export async function connect(registry: ToolRegistry, info: ServerInfo, transport: Transport): Promise<McpServer> {
  const mcp = createMcpServer(registry, info);
  await mcp.connect(transport);
  return mcp;
}

export interface HttpOptions {
  host: string;
  port: number;
  token?: string;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

export async function serveHttp(registry: ToolRegistry, info: ServerInfo, opts: HttpOptions): Promise<{ port: number; close(): Promise<void> }> {
  if (!LOOPBACK.has(opts.host) && !opts.token) {
    throw new Error(`Cannot serve HTTP on "${opts.host}" without a token: set SWARM_HTTP_TOKEN or pass --token, or bind to 127.0.0.1`);
  }
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const app = new Hono();
  app.use("*", async (c, next) => {
    const origin = c.req.header("origin");
    const host = (c.req.header("host") ?? "").replace(/:\d+$/, "");
    if (origin) {
      let originHost = "";
      try {
        originHost = new URL(origin).hostname;
      } catch { /* refused below */ }
      if (!LOOPBACK.has(originHost) && originHost !== opts.host) return c.json({ error: "foreign Origin refused" }, 403);
    }
    if (host && !LOOPBACK.has(host) && host !== opts.host) return c.json({ error: "foreign Host refused" }, 403);
    if (opts.token && c.req.header("authorization") !== `Bearer ${opts.token}`) {
      return c.json({ error: "missing or wrong bearer token" }, 401, { "www-authenticate": "Bearer" });
    }
    await next();
  });
  app.all("/mcp", async (c) => {
    const sid = c.req.header("mcp-session-id");
    let t = sid ? sessions.get(sid) : undefined;
    if (!t) {
      if (sid) return c.json({ jsonrpc: "2.0", error: { code: -32001, message: "Unknown session: initialize again" }, id: null }, 404);
      const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        onsessioninitialized: (id) => void sessions.set(id, transport),
        onsessionclosed: (id) => void sessions.delete(id),
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      await createMcpServer(registry, info).connect(transport);
      t = transport;
    }
    return t.handleRequest(c.req.raw);
  });
  app.get("/healthz", (c) => c.json({ ok: true, version: info.version }));
  const server = await serveFetch(app.fetch, opts.host, opts.port);
  log.info(`listening on http://${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${server.port}/mcp`);
  return {
    port: server.port,
    async close() {
      for (const t of sessions.values()) await t.close().catch(() => {});
      await server.close();
    },
  };
}
