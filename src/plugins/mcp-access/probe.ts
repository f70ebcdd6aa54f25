// list_mcps(probe: true): does a server start and how many tools does it offer? Run from this host
// (a stdio server as a child process with its env, an http server over fetch), bounded in time and
// in what is read, and always stopped again.
import { spawn } from "node:child_process";
import type { Core, Json } from "../../core/types.ts";
import type { Entry } from "./registry.ts";
import { interpolate, type McpServer } from "./servers.ts";

const TIMEOUT_MS = 10_000;
const MAX_OUTPUT = 4 << 20;
const HELLO = [
  {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "swarm-mcp-probe", version: "1" },
    },
  },
  { jsonrpc: "2.0", method: "notifications/initialized" },
  { jsonrpc: "2.0", id: 2, method: "tools/list" },
];

type Reply = { id?: number; result?: { tools?: unknown[] }; error?: { message?: string } };
const counted = (r: Reply | undefined): Record<string, Json> =>
  r?.result && Array.isArray(r.result.tools)
    ? { ok: true, tools: r.result.tools.length }
    : { ok: false, error: r?.error?.message ?? "no answer to tools/list" };

function probeStdio(s: McpServer): Promise<Record<string, Json>> {
  return new Promise((resolve) => {
    const child = spawn(s.command!, s.args, {
      cwd: s.cwd,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/", ...s.env },
      stdio: ["pipe", "pipe", "ignore"],
    });
    let out = "";
    const done = (r: Record<string, Json>) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, error: "no answer within 10 s" }), TIMEOUT_MS);
    child.on("error", (e) => done({ ok: false, error: e.message }));
    child.on("close", (code) => done({ ok: false, error: `exited with code ${code}` }));
    child.stdin.on("error", () => {});
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      if (out.length > MAX_OUTPUT) return done({ ok: false, error: "too much output" });
      for (const line of out.split("\n").slice(0, -1)) {
        try {
          const r = JSON.parse(line) as Reply;
          if (r.id === 2) return done(counted(r));
        } catch { /* a log line on stdout: not ours */ }
      }
    });
    child.stdin.write(HELLO.map((m) => JSON.stringify(m)).join("\n") + "\n");
  });
}

async function probeHttp(s: McpServer): Promise<Record<string, Json>> {
  const signal = AbortSignal.timeout(TIMEOUT_MS);
  let session: string | null = null;
  let last: Reply | undefined;
  for (const msg of HELLO) {
    const res: Response = await fetch(s.url!, {
      method: "POST",
      redirect: "error",
      signal,
      headers: {
        ...s.headers,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...(session ? { "mcp-session-id": session } : {}),
      },
      body: JSON.stringify(msg),
    });
    session = res.headers.get("mcp-session-id") ?? session;
    const text: string = (await res.text()).slice(0, MAX_OUTPUT);
    if (!("id" in msg)) continue;
    if (!res.ok) return { ok: false, error: `HTTP ${res.status}` };
    // A JSON body, or an event stream whose data lines carry the reply.
    const data = /event-stream/.test(res.headers.get("content-type") ?? "")
      ? text.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5)).pop()
      : text;
    last = JSON.parse(data ?? "null") as Reply;
  }
  return counted(last);
}

export async function probe(core: Core, e: Entry, s: McpServer): Promise<Record<string, Json>> {
  if (!s.enabled) return { ok: false, error: "disabled" };
  if (e.source === "project") {
    // Agents with the project mounted may have written it: its command never runs on this host.
    return {
      ok: false,
      error: "a project's server is not started on this host; give it to an agent to try it",
    };
  }
  if (s.type === "sse") return { ok: false, error: "sse servers are not probed" };
  try {
    const x = interpolate(s, core.config.env);
    return await (x.type === "stdio" ? probeStdio(x) : probeHttp(x));
  } catch (err) {
    core.log.debug(`probe of MCP server "${e.name}" failed: ${(err as Error).message}`);
    return { ok: false, error: (err as Error).message };
  }
}
