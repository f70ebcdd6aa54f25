// A browser cannot send a bearer header: the one-time login link printed at start sets an HttpOnly
// cookie holding a value derived from the token (never the token itself), sent to and accepted on
// /plugins/ pages only, never on /mcp. SameSite=Strict and the Origin check keep other sites out.
// The home page is the first plugin route named index.html; GET / leads there.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const digest = (s: string) => createHash("sha256").update(s).digest();
const LINK = /^\/login\/([\w-]{24})$/;
const COOKIE = /(?:^|;\s*)swarm_web=([\w-]{43})(?:;|$)/;

/** `mounted`: the plugin routes, as "GET /plugins/<name>/<path>". */
export function browserLogin(token: string | undefined, mounted: () => string[]) {
  const cookie = token && digest(`swarm-web ${token}`).toString("base64url");
  let code = token && randomBytes(18).toString("base64url");
  const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));
  const home = () => mounted().find((r) => /^GET .*\/index\.html$/.test(r))?.slice(4);
  const to = (location: string, headers: Record<string, string> = {}) =>
    new Response(null, {
      status: 303,
      headers: { location, "cache-control": "no-store", ...headers },
    });
  return {
    url: (origin: string) => (home() && code ? `${origin}/login/${code}` : undefined),
    /** GET / → the home page; the link's one valid use → the home page with the cookie set. */
    enter(path: string): Response | undefined {
      const page = home();
      if (path === "/" && page) return to(page);
      const m = LINK.exec(path);
      if (!m || !code || !cookie || !page || !same(m[1]!, code)) return undefined;
      code = undefined;
      return to(page, {
        "set-cookie": `swarm_web=${cookie}; HttpOnly; SameSite=Strict; Path=/plugins/`,
      });
    },
    /** Cookies are not kept apart by port: a page on another port of this host is same-site and
     * sends it too (its Origin passes the loopback check). So it counts only from the view's own
     * origin, and a write (which browsers send with an Origin) must name it. */
    accepts(req: Request): boolean {
      const m = COOKIE.exec(req.headers.get("cookie") ?? "");
      const url = new URL(req.url);
      const origin = req.headers.get("origin");
      const own = origin === null
        ? req.method === "GET" || req.method === "HEAD"
        : URL.parse(origin)?.host === url.host;
      return !!m && !!cookie && own && url.pathname.startsWith("/plugins/") &&
        same(m[1]!, cookie);
    },
  };
}
