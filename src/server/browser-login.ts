// A browser cannot send a bearer header: the one-time login link printed at start sets an HttpOnly
// cookie holding a random value of this process (never the token, nothing that outlives it), sent
// to and accepted on /plugins/ pages only, never on /mcp. SameSite=Strict and the Origin check
// keep other sites out. Cookies are not kept apart by port, so on a loopback bind a cookie set on
// 127.0.0.1 would reach every other local server too: there the view lives on a host name of its
// own, <random label>.localhost (browsers resolve every *.localhost name to loopback), the cookie
// is host-only on that name and counts only on requests to exactly that name and port.
// The home page is the first plugin route named index.html; GET / leads there.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const digest = (s: string) => createHash("sha256").update(s).digest();
const LINK = /^\/login\/([\w-]{24})$/;
const COOKIES = /(?:^|;)\s*swarm_web=([\w-]{43})\s*(?=;|$)/g;
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** `mounted`: the plugin routes, as "GET /plugins/<name>/<path>". `loopback`: the bind is one. */
export function browserLogin(enabled: boolean, loopback: boolean, mounted: () => string[]) {
  const cookie = randomBytes(32).toString("base64url");
  // 26 × 5 random bits: unguessable, so no other local server can be loaded under this name.
  const name = enabled && loopback
    ? [...randomBytes(26)].map((b) => BASE32[b & 31]).join("") + ".localhost"
    : undefined;
  let code = enabled ? randomBytes(18).toString("base64url") : undefined;
  let viewHost: string | undefined; // "<name>:<port>", once listening
  const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));
  const home = () => mounted().find((r) => /^GET .*\/index\.html$/.test(r))?.slice(4);
  const onViewHost = (req: Request) => !name || req.headers.get("host")?.toLowerCase() === viewHost;
  const to = (location: string, headers: Record<string, string> = {}) =>
    new Response(null, {
      status: 303,
      headers: { location, "cache-control": "no-store", ...headers },
    });
  return {
    /** The one extra host name this server answers to (loopback binds only). */
    name,
    /** Once listening: the login link (on the view's own name on a loopback bind), if any. */
    listening(bound: string, port: number): string | undefined {
      if (name) viewHost = `${name}:${port}`;
      return home() && code ? `http://${viewHost ?? `${bound}:${port}`}/login/${code}` : undefined;
    },
    /** GET / → the home page; the link's one valid use → the home page with the cookie set. */
    enter(req: Request, path: string): Response | undefined {
      const page = home();
      if (path === "/" && page) return to(page);
      const m = LINK.exec(path);
      if (!m || !code || !page || !onViewHost(req) || !same(m[1]!, code)) return undefined;
      code = undefined;
      return to(page, {
        "set-cookie": `swarm_web=${cookie}; HttpOnly; SameSite=Strict; Path=/plugins/`,
      });
    },
    /** A page on another port of the same host name is same-site and sends the cookie too: it
     * counts only from the view's own origin, and a write (which browsers send with an Origin)
     * must name it. Any one of several swarm_web cookies may be ours: one planted by another
     * *.localhost page for Domain=localhost (Chromium refuses those; not every browser may) must
     * not lock the view out. */
    accepts(req: Request): boolean {
      const url = new URL(req.url);
      const origin = req.headers.get("origin");
      const own = origin === null
        ? req.method === "GET" || req.method === "HEAD"
        : URL.parse(origin)?.host === url.host;
      if (!own || !url.pathname.startsWith("/plugins/") || !onViewHost(req)) return false;
      const sent = (req.headers.get("cookie") ?? "").matchAll(COOKIES);
      return [...sent].slice(0, 8).some((m) => same(m[1]!, cookie));
    },
  };
}
