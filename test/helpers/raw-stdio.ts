// The compiled binary on raw pipes (no SDK client: it would SIGTERM the server 2 s after closing
// stdin, hiding whether EOF alone stops it). Bytes go in as they are; answers come back by id.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY as BUILT } from "./binary.ts";

/** SWARM_TEST_BINARY runs these tests against another build (e.g. one with a fix reverted). */
const BINARY = process.env.SWARM_TEST_BINARY ?? BUILT;

export interface RawServer {
  child: ChildProcess;
  /** Every stdout line so far, parsed (a line that does not parse is kept as {unparsed: line}). */
  lines: any[];
  stderr(): string;
  write(data: string | Uint8Array): Promise<void>;
  /** Send a request and wait (bounded) for the answer with its id. */
  request(id: number | string, method: string, params?: object, ms?: number): Promise<any>;
  /** Wait (bounded) for a stdout message that matches. */
  next(what: string, match: (m: any) => boolean, ms?: number): Promise<any>;
  /** Resolves with the exit code, or "running" if the process is still alive after ms. */
  exited(ms: number): Promise<number | string | null>;
  initialize(): Promise<void>;
  kill(): void;
}

export async function startRaw(
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<RawServer> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("ANTHROPIC_") && !k.startsWith("CLAUDE_")) base[k] = v;
  }
  const dataDir = await mkdtemp(join(tmpdir(), "swarm-raw-"));
  const child = spawn(BINARY, args, {
    env: { ...base, SWARM_DATA_DIR: dataDir, SWARM_LOG_LEVEL: "info", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines: any[] = [];
  let err = "";
  let buf = "";
  const exit = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  child.stdin!.on("error", () => {}); // EPIPE after the server exits is expected in some tests
  child.stderr!.on("data", (d) => (err = (err + d).slice(-200_000)));
  child.stdout!.on("data", (d) => {
    buf += d;
    for (let i; (i = buf.indexOf("\n")) >= 0; buf = buf.slice(i + 1)) {
      const line = buf.slice(0, i);
      try {
        lines.push(JSON.parse(line));
      } catch {
        lines.push({ unparsed: line });
      }
    }
  });
  const server: RawServer = {
    child,
    lines,
    stderr: () => err,
    write: (data) =>
      new Promise((resolve, reject) =>
        child.stdin!.write(data, (e) => (e ? reject(e) : resolve()))
      ),
    async next(what, match, ms = 10_000) {
      const t0 = Date.now();
      for (;;) {
        const found = lines.find(match);
        if (found) return found;
        if (child.exitCode !== null) {
          throw new Error(
            `server exited (${child.exitCode}) before ${what}; stderr: ${err.slice(-2000)}`,
          );
        }
        if (Date.now() - t0 > ms) {
          throw new Error(`no ${what} within ${ms} ms; stderr: ${err.slice(-2000)}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async request(id, method, params, ms) {
      await server.write(
        JSON.stringify({ jsonrpc: "2.0", id, method, ...(params ? { params } : {}) }) + "\n",
      );
      return server.next(
        `answer to ${method} (id ${id})`,
        (m) => m.id === id && ("result" in m || "error" in m),
        ms,
      );
    },
    exited: (ms) =>
      Promise.race([
        exit,
        new Promise<string>((r) => void setTimeout(() => r("running"), ms).unref?.()),
      ]),
    async initialize() {
      const init = await server.request("init", "initialize", {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "raw", version: "0" },
      });
      if (!init.result) throw new Error(`initialize failed: ${JSON.stringify(init)}`);
      await server.write(
        JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) + "\n",
      );
    },
    kill: () => void (child.exitCode === null && child.kill("SIGKILL")),
  };
  return server;
}
