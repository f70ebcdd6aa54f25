// Stand-ins for the Docker engine socket that a test owns: a proxy to the real engine that can be
// cut (every connection dropped; new ones dropped at once, or held unanswered) and resumed, and a
// fake engine that answers what the test tells it to. Both listen on a unix socket in a temp dir.
import { createServer as httpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, createServer, type Server, type Socket } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const ROOT = join(import.meta.dirname, "..", "..");

/** The real engine's socket, or undefined when DOCKER_HOST is not a unix socket. */
export function engineSocket(): string | undefined {
  const h = process.env.DOCKER_HOST ?? "";
  if (h === "") return "/var/run/docker.sock";
  return h.startsWith("unix://") ? h.slice("unix://".length) : h.startsWith("/") ? h : undefined;
}

export interface EngineProxy {
  /** DOCKER_HOST for the proxy. */
  host: string;
  /** "drop": connections close at once; "hang": they are accepted and never answered. */
  cut(mode?: "drop" | "hang"): void;
  resume(): void;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<{ path: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), "swarm-engine-"));
  const path = join(dir, "docker.sock");
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(path, resolve));
  return { path, dir };
}

export async function engineProxy(target: string): Promise<EngineProxy> {
  const conns = new Set<Socket>();
  let mode: "open" | "drop" | "hang" = "open";
  const server = createServer((client) => {
    conns.add(client);
    client.on("error", () => {}).on("close", () => conns.delete(client));
    if (mode === "drop") return void client.destroy();
    if (mode === "hang") return; // held until resume() or close()
    const upstream = connect(target);
    conns.add(upstream);
    const drop = () => (client.destroy(), upstream.destroy());
    upstream.on("error", drop).on("close", drop);
    client.on("close", drop);
    client.pipe(upstream).pipe(client);
  });
  const { path, dir } = await listen(server);
  const dropAll = () => {
    for (const c of conns) c.destroy();
  };
  return {
    host: `unix://${path}`,
    cut(m = "drop") {
      mode = m;
      dropAll();
    },
    resume() {
      mode = "open";
      dropAll(); // held connections go; clients reconnect
    },
    async close() {
      dropAll();
      await new Promise((r) => server.close(r));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface FakeEngine {
  host: string;
  /** Requests after GET /version, as "METHOD path". */
  requests: string[];
  close(): Promise<void>;
}

/** An HTTP "engine" that negotiates API 1.41 and hands every other request to `answer`. */
export async function fakeEngine(
  answer: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<FakeEngine> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = httpServer((req, res) => {
    if (req.url === "/version") {
      return void res.writeHead(200, { "Content-Type": "application/json" }).end(
        JSON.stringify({ ApiVersion: "1.41", MinAPIVersion: "1.12" }),
      );
    }
    requests.push(`${req.method} ${req.url}`);
    answer(req, res);
  });
  server.on("connection", (s) => (sockets.add(s), s.on("close", () => sockets.delete(s))));
  const { path, dir } = await listen(server);
  return {
    host: `unix://${path}`,
    requests,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface SourceServer {
  client: Client;
  pid: number;
  /** A tool's structured result; `{isError, text}` when the tool failed. */
  call(name: string, args: Record<string, unknown>): Promise<any>;
  close(): Promise<void>;
}

/** The server from source (bun src/main.ts) over stdio, with `env` on top of a scrubbed environment. */
export async function startSource(env: Record<string, string>): Promise<SourceServer> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(ANTHROPIC_|CLAUDE_|SWARM_|DOCKER_)/.test(k)) base[k] = v;
  }
  const transport = new StdioClientTransport({
    command: join(ROOT, "node_modules", ".bin", "bun"),
    args: [join(ROOT, "src", "main.ts")],
    env: { ...base, SWARM_LOG_LEVEL: "info", ...env },
    stderr: process.env.SWARM_TEST_VERBOSE ? "inherit" : "ignore",
  });
  const client = new Client({ name: "swarm-engine-test", version: "0" });
  await client.connect(transport);
  return {
    client,
    pid: transport.pid!,
    async call(name, a) {
      const res = await client.callTool({ name, arguments: a }, undefined, { timeout: 120_000 });
      const text = (res.content as { text?: string }[])?.[0]?.text ?? "";
      return res.isError
        ? { isError: true, text, ...(res.structuredContent as object) }
        : res.structuredContent;
    },
    close: () => client.close(),
  };
}

/** Poll `check` every 100 ms until it holds; the ms it took, or a failure naming `what` after `ms`. */
export async function until(
  what: string,
  check: () => Promise<boolean>,
  ms: number,
): Promise<number> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - t0;
}

/** How a promise settles within `ms` ms: its value or error, or "pending". */
export function settled<T>(
  p: Promise<T>,
  ms: number,
): Promise<{ value?: T; error?: unknown; pending?: true; ms: number }> {
  const t0 = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<{ pending: true; ms: number }>((
    r,
  ) => (timer = setTimeout(() => r({ pending: true, ms }), ms)));
  return Promise.race([
    p.then(
      (value) => ({ value, ms: Date.now() - t0 }),
      (error) => ({ error, ms: Date.now() - t0 }),
    ),
    late,
  ]).finally(() => clearTimeout(timer));
}
