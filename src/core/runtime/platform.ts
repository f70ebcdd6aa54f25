// The only place that asks which runtime we are on (Bun, Deno, Node) or touches process identity.
import { readFileSync } from "node:fs";
import { hostname as osHostname } from "node:os";

declare const Bun: { version: string } | undefined;
declare const Deno: { version: { deno: string } } | undefined;

export function runtimeKey(): "bun" | "deno" | "node" {
  if (typeof Bun !== "undefined") return "bun";
  if (typeof Deno !== "undefined") return "deno";
  return "node";
}

/** uid:gid of this process, so files agents write to mounts belong to the caller. */
export function callerIds(): { uid: number; gid: number } {
  const uid = typeof process.getuid === "function" ? process.getuid() : 1000;
  const gid = typeof process.getgid === "function" ? process.getgid() : 1000;
  return { uid, gid };
}

/** The host label the reaper keys on; SWARM_HOST_ID overrides it (servers sharing one engine from
 * different machines or test runs that must stay out of each other's reapers). */
export function hostname(env: Record<string, string | undefined> = {}): string {
  if (env.SWARM_HOST_ID) return env.SWARM_HOST_ID;
  try {
    return osHostname();
  } catch {
    return "unknown";
  }
}

/** When a process started, in clock ticks since boot (/proc/<pid>/stat, field 22), or "" where
 * /proc is not there. With the pid it names one process: a pid alone is reused once its process
 * is gone (after a reboot, or in a fresh container, a dead server's pid is soon someone else's). */
export function processStart(pid: number | "self" = "self"): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count from the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "";
  } catch {
    return "";
  }
}

/** True when the process with this pid exists on this host (EPERM: it exists but is not ours) and,
 * when `started` is known, is the one that started then rather than a later one with its pid. */
export function pidAlive(pid: number, started = ""): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as { code?: string }).code !== "EPERM") return false;
  }
  if (!started) return true;
  const now = processStart(pid);
  return now === "" || now === started;
}
