// fetch() of a URL on the live view's own host name (<label>.localhost, src/server/browser-login.ts).
// Browsers resolve every *.localhost name to loopback themselves; Bun's fetch asks the system
// resolver, which may not know them. So: connect to 127.0.0.1 and send the name as Host.
// serveView: a harness's tools, plugins and events served as `--http` serves them.
import { type HttpServer, serveHttp } from "../../src/server/http.ts";
import type { Harness } from "./harness.ts";

export function fetchView(url: string, init: RequestInit = {}): Promise<Response> {
  const u = new URL(url);
  const headers = new Headers(init.headers);
  headers.set("host", u.host);
  u.hostname = "127.0.0.1";
  return fetch(u, { ...init, headers });
}

/** `h`'s registry and plugins behind the HTTP server on a free loopback port, with `token`. */
export function serveView(h: Harness, token: string): Promise<HttpServer> {
  return serveHttp(h.handle.registry, { name: "swarm-mcp", version: "test" }, {
    host: "127.0.0.1",
    port: 0,
    token,
    plugins: h.handle.plugins,
    events: h.core.events,
  });
}
