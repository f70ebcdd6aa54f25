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

/** Ask the runtime to collect garbage now (Bun and Node with --expose-gc; a no-op elsewhere).
 * Streaming tens of MB through sockets leaves chunk garbage the collector would keep for a while. */
export function nudgeGc(): void {
  const g = globalThis as { Bun?: { gc(sync: boolean): void }; gc?: () => void };
  if (g.Bun) g.Bun.gc(true);
  else g.gc?.();
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

/** `keepOpen()` exempts this request's connection from the idle timeout: for SSE streams, which may
 * stay silent for as long as a tool call runs. */
export type FetchHandler = (req: Request, keepOpen: () => void) => Response | Promise<Response>;

/** Serve a fetch handler on Bun, Deno or Node. Connections idle for `idleTimeoutS` are closed on Bun
 * (slow or stalled clients do not hold sockets forever); Deno and Node keep their own defaults. */
export async function serveFetch(
  fetch: FetchHandler,
  host: string,
  port: number,
  idleTimeoutS: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const g = globalThis as Record<string, any>;
  const noop = () => {};
  if (runtimeKey() === "bun") {
    const s = g.Bun.serve({
      hostname: host,
      port,
      idleTimeout: idleTimeoutS,
      fetch: (req: Request, server: any) => fetch(req, () => server.timeout(req, 0)),
    });
    return { port: s.port, close: () => s.stop(true) };
  }
  if (runtimeKey() === "deno") {
    let bound = port;
    const s = g.Deno.serve({
      hostname: host,
      port,
      onListen: (a: { port: number }) => (bound = a.port),
    }, (req: Request) => fetch(req, noop));
    await new Promise((r) => setTimeout(r, 0));
    return { port: s.addr?.port ?? bound, close: () => s.shutdown() };
  }
  const { serve } = await import("@hono/node-server");
  return await new Promise((resolve) => {
    const s = serve({ fetch: (req: Request) => fetch(req, noop), hostname: host, port }, (info) => {
      resolve({ port: info.port, close: () => new Promise<void>((r) => s.close(() => r())) });
    });
  });
}
