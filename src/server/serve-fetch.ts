// Serving a fetch handler on whichever runtime we are on: the HTTP front end's only tie to Bun,
// Deno or Node.
import { StartupError } from "../core/loader.ts";
import { runtimeKey } from "../core/runtime/platform.ts";

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
  try {
    return await listen(fetch, host, port, idleTimeoutS);
  } catch (e) {
    // Another process on the port (a local user may squat it first): one sentence, no stack.
    const said = String((e as Error)?.message ?? e);
    const why = (e as NodeJS.ErrnoException)?.code === "EADDRINUSE" || /in use/i.test(said)
      ? "the port is in use; stop what listens there, or give another --port (0 picks a free one)"
      : `${said.split("\n")[0]}; check --host and --port`;
    throw new StartupError(`Cannot serve HTTP on ${host}:${port}: ${why}`);
  }
}

async function listen(
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
  return await new Promise((resolve, reject) => {
    const s = serve({ fetch: (req: Request) => fetch(req, noop), hostname: host, port }, (info) => {
      resolve({ port: info.port, close: () => new Promise<void>((r) => s.close(() => r())) });
    });
    s.once("error", reject);
  });
}
