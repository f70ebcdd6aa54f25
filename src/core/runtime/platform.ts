// The only place that asks which runtime we are on (Bun, Deno, Node) or touches process identity.
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

/** True when a process with this pid exists on this host (EPERM means it exists but is not ours). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}
