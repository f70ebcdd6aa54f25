// Streamable HTTP (--http): one MCP server per session. Every request passes, in this order, the
// Host and Origin checks (DNS rebinding), the bearer token (compared in constant time) and the
// method. Sessions end after an idle time (a call in flight keeps one alive) and are capped: the
// least recently used idle session makes room for a new one, and when none is idle the answer is 503.
import { createHash, timingSafeEqual } from "node:crypto";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { Hono } from "hono";
import { StartupError } from "../core/loader.ts";
import { browserLogin } from "./browser-login.ts";
import { logger } from "../core/log.ts";
import type { ToolRegistry } from "../core/registry.ts";
import type { Events } from "../core/types.ts";
import { serveFetch } from "./serve-fetch.ts";
import { createMcpServer, MAX_MESSAGE_BYTES, type ServerInfo } from "./mcp.ts";
import { type App, mountPluginRoutes, type RoutedPlugin } from "./routes.ts";
import {
  allowedHost,
  allowedOrigin,
  bracketed,
  HOST_NAME,
  LOCAL_NAMES,
  WILDCARDS,
} from "./http-names.ts";

const log = logger("http");

export interface HttpOptions {
  host: string;
  port: number;
  /** Required unless noAuth. */
  token?: string;
  /** Loopback hosts only: serve without a token. */
  noAuth?: boolean;
  /** Where the token is kept, named in 401 answers (never the token itself). */
  tokenFile?: string;
  sessionIdleS?: number;
  maxSessions?: number;
  /** Idle connections are closed after this; SSE streams are exempt. */
  connectionIdleS?: number;
  /** Plugins whose routes are served under /plugins/<name>/. */
  plugins?: RoutedPlugin[];
  /** Host names accepted besides loopback and the bound host (a proxy's or the LAN name). */
  allowedHosts?: string[];
  /** The run lifecycle, sent to clients that ask for log messages. */
  events?: Pick<Events, "on">;
}

export interface HttpServer {
  port: number;
  url: string;
  loginUrl?: string; // for a browser, when a plugin serves a page (browser-login.ts)
  sessionCount(): number;
  close(): Promise<void>;
}

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  /** Ids of requests not yet answered: a session with one is not idle. */
  pending: Set<unknown>;
  used: number;
}

const TOKEN_SHAPE = /^[\x21-\x7e]{16,1024}$/;

const digest = (s: string) => createHash("sha256").update(s).digest();
const rpcError = (code: number, message: string) => ({
  jsonrpc: "2.0",
  error: { code, message },
  id: null,
});

function checkOptions(opts: HttpOptions): void {
  const loopback = LOCAL_NAMES.has(bracketed(opts.host));
  // The token itself is never echoed in these sentences.
  if (opts.token !== undefined && !TOKEN_SHAPE.test(opts.token)) {
    throw new StartupError(
      "Cannot use the HTTP token from --token or SWARM_HTTP_TOKEN: it must be 16 to 1024 printable ASCII characters without spaces; leave both unset to have one generated",
    );
  }
  if (opts.noAuth && opts.token !== undefined) {
    throw new StartupError("Cannot use --no-auth with a token: drop one of them");
  }
  if (opts.noAuth && !loopback) {
    throw new StartupError(
      `Cannot serve HTTP on "${opts.host}" with --no-auth: only 127.0.0.1, localhost and ::1 may go without a token; drop --no-auth`,
    );
  }
  for (const h of opts.allowedHosts ?? []) {
    if (!HOST_NAME.test(h)) {
      throw new StartupError(
        `Cannot allow host ${
          JSON.stringify(h.slice(0, 100))
        }: give a host name or IP address without port or scheme, like "swarm.example.com" or "10.0.0.5", to --allowed-host or SWARM_HTTP_ALLOWED_HOSTS`,
      );
    }
  }
  if (!opts.noAuth && opts.token === undefined) {
    throw new StartupError(
      "Cannot serve HTTP without a token: give --token or SWARM_HTTP_TOKEN, or leave both unset to have one generated",
    );
  }
}

export async function serveHttp(
  registry: ToolRegistry,
  info: ServerInfo,
  opts: HttpOptions,
): Promise<HttpServer> {
  checkOptions(opts);
  const bound = bracketed(opts.host);
  const anyName = WILDCARDS.has(bound);
  const login = browserLogin(!opts.noAuth, LOCAL_NAMES.has(bound), () => routes);
  const extraHosts = new Set(
    [...opts.allowedHosts ?? [], ...login.name ? [login.name] : []].map(bracketed),
  );
  const expected = opts.token ? digest(opts.token) : undefined;
  const idleMs = (opts.sessionIdleS ?? 1800) * 1000;
  const maxSessions = opts.maxSessions ?? 256;
  const where = opts.tokenFile
    ? `the token is in ${opts.tokenFile}`
    : "the token is the one given with --token or SWARM_HTTP_TOKEN";
  const sessions = new Map<string, Session>(); // in order of last use: the first idle one is the LRU
  let opening = 0; // sessions being created: counted against the cap before they have an id

  const authorized = (header: string | undefined): boolean => {
    const m = /^bearer ([\x21-\x7e]+)$/i.exec(header ?? ""); // RFC 7235: the scheme is case-insensitive
    return !!m && !!expected && timingSafeEqual(digest(m[1]!), expected);
  };

  const closeSession = async (id: string, why: string) => {
    const s = sessions.get(id);
    if (!s) return;
    sessions.delete(id);
    log.info(`session ${id.slice(0, 8)} closed: ${why}`);
    await s.transport.close().catch(() => {});
  };

  /** Room for one more session: true when there is (after closing the LRU idle one if full). */
  const makeRoom = (): boolean => {
    if (sessions.size + opening < maxSessions) return true;
    for (const [id, s] of sessions) {
      if (s.pending.size > 0) continue;
      void closeSession(
        id,
        `${maxSessions} sessions open and this was the least recently used idle one`,
      );
      return true;
    }
    return false;
  };

  async function openSession(): Promise<WebStandardStreamableHTTPServerTransport> {
    const session: Session = { transport: undefined!, pending: new Set(), used: Date.now() };
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      maxRequestBodySize: MAX_MESSAGE_BYTES,
      onsessioninitialized: (id) => void sessions.set(id, session),
      onsessionclosed: (id) => void sessions.delete(id),
    });
    session.transport = transport;
    transport.onclose = () => void (transport.sessionId && sessions.delete(transport.sessionId));
    await createMcpServer(registry, info, opts.events).connect(transport);
    // Track unanswered requests (a cancelled one is never answered) and the time of last use.
    const deliver = transport.onmessage!;
    transport.onmessage = (m, extra) => {
      if ("method" in m && "id" in m) session.pending.add(m.id);
      if ("method" in m && m.method === "notifications/cancelled") {
        session.pending.delete((m.params as { requestId?: unknown })?.requestId);
      }
      session.used = Date.now();
      deliver(m, extra);
    };
    const send = transport.send.bind(transport);
    transport.send = (m: JSONRPCMessage, o) => {
      if ("result" in m || "error" in m) session.pending.delete(m.id);
      session.used = Date.now();
      return send(m, o);
    };
    return transport;
  }

  const app: App = new Hono();
  app.use("*", async (c, next) => {
    const origin = c.req.header("origin");
    const host = c.req.header("host") ?? "";
    if (!allowedHost(host, bound, anyName, extraHosts)) {
      const name = JSON.stringify(host.replace(/:\d+$/, "").slice(0, 100));
      const msg =
        `Forbidden: foreign Host ${name} refused (DNS rebinding guard); this server answers to loopback names and "${bound}": start it with --allowed-host ${name} (or SWARM_HTTP_ALLOWED_HOSTS) if clients reach it by that name`;
      return c.json(rpcError(-32000, msg), 403);
    }
    if (origin !== undefined && !allowedOrigin(origin, bound, login.name)) {
      return c.json(rpcError(-32000, "Forbidden: foreign Origin refused"), 403);
    }
    const entry = login.enter(c.req.raw, c.req.path);
    if (entry) return entry;
    if (!opts.noAuth && !login.accepts(c.req.raw) && !authorized(c.req.header("authorization"))) {
      const msg =
        `Unauthorized: a bearer token is required (header "Authorization: Bearer <token>"); ${where}`;
      const header = `Bearer realm="swarm-mcp", error_description="${msg.replace(/["\\]/g, "'")}"`;
      return c.json(rpcError(-32001, msg), 401, { "www-authenticate": header });
    }
    await next();
  });
  app.all("/mcp", async (c) => {
    const method = c.req.method;
    if (method !== "GET" && method !== "POST" && method !== "DELETE") {
      return c.json(
        rpcError(-32000, `Method not allowed: ${method.slice(0, 20)}; use POST, GET or DELETE`),
        405,
        { allow: "GET, POST, DELETE" },
      );
    }
    const sid = c.req.header("mcp-session-id");
    let transport: WebStandardStreamableHTTPServerTransport | undefined;
    if (sid) {
      const s = sessions.get(sid);
      if (!s) {
        return c.json(
          rpcError(-32001, "Unknown session (expired or closed): initialize again"),
          404,
        );
      }
      sessions.delete(sid); // re-insert: the map stays in order of last use
      sessions.set(sid, s);
      s.used = Date.now();
      transport = s.transport;
    } else if (method !== "POST") {
      return c.json(rpcError(-32000, "Bad Request: no Mcp-Session-Id; POST initialize first"), 400);
    } else if (!makeRoom()) {
      const msg =
        `Cannot open a session: all ${maxSessions} sessions have calls in flight; retry when one finishes, or raise SWARM_HTTP_MAX_SESSIONS`;
      return c.json(rpcError(-32000, msg), 503, { "retry-after": "5" });
    }
    if (!transport) opening++;
    let fresh: WebStandardStreamableHTTPServerTransport | undefined;
    try {
      const res = await (transport ?? (fresh = await openSession())).handleRequest(c.req.raw);
      if (res.headers.get("content-type")?.startsWith("text/event-stream")) c.env.keepOpen();
      return res;
    } finally {
      if (!transport) opening--;
      // A POST that opened no session (not an initialize, or a failed one) leaves no server behind
      // listening to every run's events.
      if (fresh && !fresh.sessionId) await fresh.close().catch(() => {});
    }
  });
  app.get("/healthz", (c) => c.json({ ok: true, version: info.version }));
  const routes = mountPluginRoutes(app, opts.plugins ?? [], log);

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [id, s] of sessions) {
      if (s.pending.size === 0 && now - s.used > idleMs) {
        void closeSession(id, `idle for ${Math.round(idleMs / 1000)} s`);
      }
    }
  }, Math.min(Math.max(idleMs / 4, 50), 30_000));
  (sweep as { unref?: () => void }).unref?.();

  const server = await serveFetch(
    (req, keepOpen) => app.fetch(req, { keepOpen }),
    opts.host,
    opts.port,
    opts.connectionIdleS ?? 30,
  );
  const url = `http://${bound}:${server.port}/mcp`;
  log.info(`listening on ${url}${routes.length ? `; plugin routes: ${routes.join(", ")}` : ""}`);
  if (opts.noAuth) {
    log.warn(
      `--no-auth: no token is checked; every local user and process that reaches ${url} can start containers as this user`,
    );
  }
  return {
    port: server.port,
    url,
    loginUrl: login.listening(bound, server.port),
    sessionCount: () => sessions.size,
    async close() {
      clearInterval(sweep);
      await Promise.all([...sessions.keys()].map((id) => closeSession(id, "server closing")));
      await server.close();
    },
  };
}
