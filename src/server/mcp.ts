// The MCP part of the server: publishes the tool table (valibot → JSON Schema), maps results and
// errors, turns MCP cancellation and transport close into AbortSignals, and serves stdio. Only
// src/server/ imports the MCP SDK: the core knows tools, not the protocol.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { toJsonSchema } from "@valibot/to-json-schema";
import { errorResult, type ToolResult } from "../core/errors.ts";
import { logger } from "../core/log.ts";
import type { ToolRegistry } from "../core/registry.ts";
import type { Events } from "../core/types.ts";
import { forwardEvents } from "./client-log.ts";
import { LineTransport } from "./stdio.ts";
import { summarize } from "./summary.ts";

/** The largest JSON-RPC message accepted, on stdio and over HTTP alike. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

const log = logger("server");

export interface ServerInfo {
  name: string;
  version: string;
}

/** What a client's request timeout sends as the cancel reason (the TS SDK, so Claude Code and the
 * Inspector: "McpError: MCP error -32001: Request timed out"). Such a cancel only means the client
 * stopped waiting: the work goes on, reachable with runs and wait. Any other cancel (a user's stop,
 * a closed connection) stops it and its containers. */
const CLIENT_TIMEOUT = /request timed out/i;

/** The signal a tool call runs under: the request's, minus a client's timeout. */
function stopSignal(request: AbortSignal, tool: string): AbortSignal {
  const stop = new AbortController();
  request.addEventListener("abort", () => {
    if (!CLIENT_TIMEOUT.test(String(request.reason))) return stop.abort(request.reason);
    log.info(`${tool}: the client stopped waiting (its request timeout); the work goes on`);
  }, { once: true });
  return stop.signal;
}

/** Every tool declares an outputSchema (MCP wants type "object"), so every result is an object. */
const ANY_OBJECT = { type: "object" } as const;

/** The object once, in structuredContent; the text block only summarizes it (summary.ts). */
export function render(value: unknown): ToolResult {
  const structured = value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : { result: value ?? null };
  const text = typeof value === "string" ? value : summarize(structured);
  return { content: [{ type: "text", text }], structuredContent: structured };
}

/** One MCP server object per client connection (stdio, a test's in-memory pair, an HTTP session);
 * `events`: the run lifecycle, sent as log messages to a client that asked (logging/setLevel). */
export function createMcpServer(
  registry: ToolRegistry,
  info: ServerInfo,
  events?: Pick<Events, "on">,
): McpServer {
  const mcp = new McpServer(info, {
    capabilities: { tools: {}, logging: {} },
    instructions:
      "Spawn coding agents in Docker containers and compose them: run, par, map, chain, reduce, map_reduce, race, retry. Results are refs; call unwrap to read a ref's text. Long calls return a run_id: call wait rather than starting again.",
  });
  if (events) forwardEvents(mcp.server, events);
  let listed: unknown[] | undefined;
  mcp.server.setRequestHandler(ListToolsRequestSchema, () => {
    listed ??= registry.list().map((t) => ({
      name: t.name,
      description: t.description,
      // No `$schema` on each tool: 1 KB of tools/list that no client needs (JSON drops undefined).
      inputSchema: {
        ...toJsonSchema(t.input, { errorMode: "ignore", target: "draft-2020-12" }),
        $schema: undefined,
      },
      outputSchema: t.output ?? ANY_OBJECT,
      ...(t.annotations ? { annotations: t.annotations } : {}),
    }));
    return { tools: listed } as never;
  });
  mcp.server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const name = req.params.name;
    const token = req.params._meta?.progressToken;
    const signal = stopSignal(extra.signal, name);
    let last = -1;
    const progress = (done: number, total?: number, message?: string) => {
      if (token === undefined || extra.signal.aborted) return;
      // The spec wants strictly increasing progress, and heartbeats repeat `done`.
      const value = Math.max(done, Math.round((last + 0.001) * 1000) / 1000);
      last = value;
      extra.sendNotification({
        method: "notifications/progress",
        params: {
          progressToken: token,
          progress: value,
          ...(total !== undefined ? { total } : {}),
          ...(message ? { message } : {}),
        },
      })
        .catch(() => {});
    };
    try {
      const value = await registry.invoke(name, req.params.arguments ?? {}, { signal, progress });
      return render(value) as never;
    } catch (e) {
      // Whatever a tool throws once its call was cancelled is the cancellation, not a bug.
      const reason = signal.aborted
        ? new DOMException(String(signal.reason ?? "cancelled"), "AbortError")
        : e;
      return errorResult(name, reason, (m) => log.error(m)) as never;
    }
  });
  return mcp;
}

export async function serveStdio(
  registry: ToolRegistry,
  info: ServerInfo,
  onClose: () => void,
  events?: Pick<Events, "on">,
): Promise<void> {
  // The transport closes on stdin EOF: that is our cue to shut down.
  const transport = new LineTransport(MAX_MESSAGE_BYTES);
  transport.onclose = onClose;
  transport.onerror = (e) => log.warn(`stdin: ${e.message}`);
  await createMcpServer(registry, info, events).connect(transport);
}

export async function connect(
  registry: ToolRegistry,
  info: ServerInfo,
  transport: Transport,
  events?: Pick<Events, "on">,
): Promise<McpServer> {
  const mcp = createMcpServer(registry, info, events);
  await mcp.connect(transport);
  return mcp;
}
