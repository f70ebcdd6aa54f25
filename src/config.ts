// argv + environment → a validated Config and the command to run. Nothing here starts anything.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { StartupError } from "./core/loader.ts";
import type { Config } from "./core/types.ts";

export type Command =
  | { kind: "serve"; http?: HttpCommand; manifest?: string }
  | { kind: "build-image"; base?: string; caCert?: string; tag?: string }
  | { kind: "doctor" }
  | { kind: "version" }
  | { kind: "help" };

export interface HttpCommand {
  host: string;
  port: number;
  token?: string;
  noAuth: boolean;
  sessionIdleS: number;
  maxSessions: number;
  /** --allowed-host (repeatable) and SWARM_HTTP_ALLOWED_HOSTS (comma-separated). */
  allowedHosts: string[];
}

export const HELP =
  `swarm-mcp — an MCP server that runs coding agents in Docker containers and composes them

Usage:
  swarm-mcp [--manifest FILE]                        serve MCP over stdio (what mcpServers configs run)
  swarm-mcp --http [--host H] [--port P] [--token T | --no-auth] [--allowed-host NAME]...
                                                     serve Streamable HTTP at http://H:P/mcp; a bearer token
                                                     is always required (generated into <data>/http-token
                                                     when not given); --no-auth on loopback only; Host
                                                     headers other than loopback and H are refused unless
                                                     named with --allowed-host (a proxy's or LAN name)
  swarm-mcp build-image [--base IMAGE] [--ca-cert FILE] [--tag NAME]
                                                     build the agent image (done automatically on first use)
  swarm-mcp doctor                                   check the engine, image, credentials and data dir
  swarm-mcp --version | --help

Environment: SWARM_DATA_DIR, SWARM_MAX_CONCURRENT (10), SWARM_QUEUE_TIMEOUT (3600 s),
SWARM_RESOURCE_<name> (1), SWARM_IMAGE, SWARM_MANIFEST, SWARM_HTTP_TOKEN, SWARM_HTTP_SESSION_IDLE
(1800 s), SWARM_HTTP_MAX_SESSIONS (256), SWARM_HTTP_ALLOWED_HOSTS, SWARM_ALLOW_MOUNTS,
SWARM_ALLOW_HOST_NETWORK, SWARM_PROJECT_DIR, SWARM_LOG_LEVEL, SWARM_LOG_FORMAT, DOCKER_HOST,
ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, CLAUDE_CODE_OAUTH_TOKEN. See README.md.`;

export function parseArgs(argv: string[], env: Record<string, string | undefined>): Command {
  const args = [...argv];
  const first = args[0];
  const take = (flag: string): string => {
    const i = args.indexOf(flag);
    const value = args[i + 1];
    if (value === undefined || value.startsWith("--")) {
      throw new StartupError(`Missing value for ${flag}; see swarm-mcp --help`);
    }
    args.splice(i, 2);
    return value;
  };
  const opt = (flag: string) => (args.includes(flag) ? take(flag) : undefined);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    if (i >= 0) args.splice(i, 1);
    return i >= 0;
  };
  const done = <C extends Command>(c: C): C => {
    if (args.length) throw new StartupError(`Unknown argument "${args[0]}"; see swarm-mcp --help`);
    return c;
  };
  if (flag("--version") || flag("-v")) return { kind: "version" };
  if (flag("--help") || flag("-h")) return { kind: "help" };
  if (first === "build-image") {
    args.shift();
    return done({
      kind: "build-image",
      base: opt("--base"),
      caCert: opt("--ca-cert"),
      tag: opt("--tag"),
    });
  }
  if (first === "doctor") {
    args.shift();
    return done({ kind: "doctor" });
  }
  const manifest = opt("--manifest") ?? env.SWARM_MANIFEST;
  if (!flag("--http")) return done({ kind: "serve", manifest });
  const host = opt("--host") ?? "127.0.0.1";
  const portText = opt("--port") ?? "8765";
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StartupError(`Cannot use --port "${portText}": give a number from 0 to 65535`);
  }
  const token = opt("--token") ?? (env.SWARM_HTTP_TOKEN || undefined);
  const sessionIdleS = intEnv(env, "SWARM_HTTP_SESSION_IDLE", 1800);
  const allowedHosts = (env.SWARM_HTTP_ALLOWED_HOSTS ?? "").split(",").map((s) => s.trim());
  while (args.includes("--allowed-host")) allowedHosts.push(take("--allowed-host"));
  const http = {
    host,
    port,
    token,
    noAuth: flag("--no-auth"),
    sessionIdleS,
    maxSessions: intEnv(env, "SWARM_HTTP_MAX_SESSIONS", 256),
    allowedHosts: allowedHosts.filter(Boolean),
  };
  return done({ kind: "serve", manifest, http });
}

function intEnv(env: Record<string, string | undefined>, name: string, def: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    throw new StartupError(`Cannot use ${name}="${raw}": give a positive whole number`);
  }
  return n;
}

/** Never a shared place like /tmp: another user could prepare the dir (and its stamp key) there first. */
export function defaultDataDir(env: Record<string, string | undefined>): string {
  const state = env.XDG_STATE_HOME || (env.HOME ? join(env.HOME, ".local", "state") : undefined);
  if (!state) {
    throw new StartupError(
      "Cannot choose a data directory: none of SWARM_DATA_DIR, XDG_STATE_HOME or HOME is set; set SWARM_DATA_DIR (or HOME) to a directory only you can write",
    );
  }
  return join(state, "swarm-mcp");
}

export function loadConfig(env: Record<string, string | undefined>, version: string): Config {
  return {
    version,
    dataDir: env.SWARM_DATA_DIR || defaultDataDir(env),
    maxConcurrent: intEnv(env, "SWARM_MAX_CONCURRENT", 10),
    queueTimeoutS: intEnv(env, "SWARM_QUEUE_TIMEOUT", 3600),
    allowMounts: (env.SWARM_ALLOW_MOUNTS ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    instanceId: randomBytes(6).toString("hex"),
    env,
    projectDir: env.SWARM_PROJECT_DIR || undefined,
  };
}
