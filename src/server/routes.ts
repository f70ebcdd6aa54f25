// Plugins' HTTP routes (Plugin.routes), mounted under /plugins/<plugin name>/ on the --http app
// after the Host, Origin and token checks, so a plugin's page is exactly as private as /mcp.
// Paths are exact (no patterns): what a plugin serves is what it wrote down.
import type { Hono } from "hono";
import { StartupError } from "../core/loader.ts";
import type { Logger, Plugin, RouteHandler } from "../core/types.ts";

const PATH = /^(\/[A-Za-z0-9_-][A-Za-z0-9._~-]*)+$/; // no "." or ".." segment

export type RoutedPlugin = Pick<Plugin, "name" | "routes">;
/** The --http app; keepOpen() exempts an SSE response's connection from the idle timeout. */
export type App = Hono<{ Bindings: { keepOpen(): void } }>;

/** The routes of every plugin that has some; returns the mounted paths (for the log). */
export function mountPluginRoutes(
  app: App,
  plugins: RoutedPlugin[],
  log: Logger,
): string[] {
  const mounted: string[] = [];
  for (const p of plugins) {
    if (p.routes === undefined) continue;
    const add = (method: "GET" | "POST") => (path: string, handler: RouteHandler) => {
      if (typeof path !== "string" || !PATH.test(path) || typeof handler !== "function") {
        throw new StartupError(
          `Cannot mount route ${
            JSON.stringify(String(path).slice(0, 80))
          } of plugin "${p.name}": a path is segments of letters, digits, "_" and "-" (then also "." and "~"), each after a "/", like "/events"; give a handler function`,
        );
      }
      const full = `/plugins/${p.name}${path}`;
      if (mounted.includes(`${method} ${full}`)) {
        throw new StartupError(`Cannot mount ${method} ${full} twice: plugin "${p.name}"`);
      }
      mounted.push(`${method} ${full}`);
      app.on(method, full, async (c) => {
        try {
          const res = await handler(c.req.raw);
          if (!(res instanceof Response)) throw new TypeError("the handler returned no Response");
          // Hono answers HEAD with a GET route and drops the body unread: cancel it, or an SSE
          // stream's subscription and timers would live on with no client.
          if (c.req.method === "HEAD") {
            await res.body?.cancel();
            return new Response(null, res);
          }
          if (res.headers.get("content-type")?.startsWith("text/event-stream")) c.env.keepOpen();
          return res;
        } catch (e) {
          log.error(`route ${method} ${full} failed: ${(e as Error)?.stack ?? e}`);
          return c.json({ error: `Internal error in ${full}; see the server log` }, 500);
        }
      });
    };
    try {
      p.routes({ get: add("GET"), post: add("POST") });
    } catch (e) {
      if (e instanceof StartupError) throw e;
      throw new StartupError(
        `Cannot mount the routes of plugin "${p.name}": ${(e as Error)?.message ?? e}`,
      );
    }
  }
  return mounted;
}
