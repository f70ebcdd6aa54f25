// The host's git, run for agents' branches: execFile (never a shell), bounded in time and output,
// and with nothing of the host's or the agent's able to run code through it: hooks off, no
// fsmonitor, no system or global config (their filters, hooks paths and aliases are the operator's
// habits, not this server's), and never a repository discovered from an agent-writable directory
// (every call names its git dir).
import { execFile, spawn } from "node:child_process";
import { closeSync, constants, openSync, writeSync } from "node:fs";

const TIMEOUT_MS = 120_000;
const MAX_OUTPUT = 16 << 20;

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GitOptions {
  /** The git dir to use; without it git discovers one from `cwd` (the host repository only). */
  gitDir?: string;
  cwd?: string;
  /** The work tree (else none: a bare operation on the object store and refs). */
  workTree?: string;
  /** A private index file, so the host's own index is never read or written. */
  index?: string;
  env?: Record<string, string>;
  /** Exit codes that are answers, not failures (merge-base --is-ancestor says 1). */
  ok?: number[];
  maxOutput?: number;
}

const SAFE = [
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "core.fsmonitor=false",
  "-c",
  "core.untrackedCache=false",
  "-c",
  "protocol.allow=never",
  "-c",
  "commit.gpgSign=false",
  "-c",
  "gc.auto=0",
];

function gitEnv(o: GitOptions): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    ...(o.gitDir ? { GIT_DIR: o.gitDir } : {}),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_OPTIONAL_LOCKS: "0",
    LC_ALL: "C",
    ...(o.workTree ? { GIT_WORK_TREE: o.workTree } : {}),
    ...(o.index ? { GIT_INDEX_FILE: o.index } : {}),
    ...o.env,
  };
}

export function git(args: string[], o: GitOptions = {}): Promise<GitResult> {
  const env = gitEnv(o);
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      [...SAFE, ...args],
      {
        env,
        cwd: o.cwd ?? o.workTree ?? o.gitDir,
        timeout: TIMEOUT_MS,
        maxBuffer: o.maxOutput ?? MAX_OUTPUT,
        encoding: "utf8",
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        if (code === 0 || o.ok?.includes(code)) return resolve({ code, stdout, stderr });
        const why = (err as { code?: string })?.code === "ENOENT"
          ? "git is not installed on the server's host; install git (swarm-mcp doctor checks it)"
          : (stderr || err?.message || "").trim().split("\n").slice(-3).join(" ").slice(0, 400);
        reject(new Error(`git ${args[0]} failed: ${why}`));
      },
    );
  });
}

/** Write `git <args>` output into a new file (never through memory, never through a link),
 * stopping at `max` bytes; says whether it was cut. */
export function gitToFile(
  args: string[],
  o: GitOptions,
  file: string,
  max: number,
): Promise<{ bytes: number; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    let out: number;
    try {
      out = openSync(file, flags, 0o600);
    } catch (e) {
      return reject(e);
    }
    const child = spawn("git", [...SAFE, ...args], {
      env: gitEnv(o),
      cwd: o.cwd ?? o.workTree ?? o.gitDir,
      stdio: ["ignore", "pipe", "ignore"],
      timeout: TIMEOUT_MS,
    });
    let bytes = 0;
    let truncated = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (truncated) return;
      const room = max - bytes;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      writeSync(out, part);
      bytes += part.length;
      if (chunk.length > room) (truncated = true), child.kill("SIGKILL");
    });
    child.on("error", (e) => (closeSync(out), reject(e)));
    child.on("close", (code) => {
      closeSync(out);
      if (code !== 0 && !truncated) reject(new Error(`git ${args[0]} failed (exit ${code})`));
      else resolve({ bytes, truncated });
    });
  });
}
