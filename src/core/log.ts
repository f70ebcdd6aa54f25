// The only writer of log lines: stderr, one line per event. stdout belongs to JSON-RPC.
// SWARM_LOG_LEVEL filters (debug|info|warn|error, default info); SWARM_LOG_FORMAT=json for JSON lines.
import type { Logger } from "./types.ts";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type Level = keyof typeof LEVELS;

let threshold: number = LEVELS.info;
let json = false;

export function configureLog(level: string | undefined, format: string | undefined): void {
  threshold = LEVELS[(level ?? "info") as Level] ?? LEVELS.info;
  json = format === "json";
}

function write(level: Level, name: string, msg: string, extra?: unknown): void {
  if (LEVELS[level] < threshold) return;
  const time = new Date().toISOString();
  const line = json
    ? JSON.stringify({ time, level, name, msg, ...(extra === undefined ? {} : { extra }) })
    : `${time} ${level} [${name}] ${msg}${extra === undefined ? "" : " " + safe(extra)}`;
  process.stderr.write(line + "\n");
}

function safe(x: unknown): string {
  try {
    return typeof x === "string" ? x : JSON.stringify(x);
  } catch {
    return String(x);
  }
}

export function logger(name: string): Logger {
  return {
    debug: (m, x) => write("debug", name, m, x),
    info: (m, x) => write("info", name, m, x),
    warn: (m, x) => write("warn", name, m, x),
    error: (m, x) => write("error", name, m, x),
  };
}
