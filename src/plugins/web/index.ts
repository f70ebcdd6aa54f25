// web: the live view of runs in --http mode. GET /plugins/web/index.html is the page (it ships in
// the binary: HTML, CSS and JS are string modules here, no build step, no CDN); /events streams
// core.events to it over SSE; /api/* reads runs and refs through the core. The server's token
// check covers every route (a bearer header, or the cookie the one-time login link sets).
import type { Core, PluginFactory } from "../../core/types.ts";
import { api } from "./api.ts";
import { createLive } from "./live.ts";
import { CHART_JS } from "./page-chart.ts";
import { APP_JS } from "./page-js.ts";
import { APP_CSS, INDEX_HTML } from "./page-html.ts";
import { TREE_JS } from "./page-tree.ts";
import { VIEWS_JS } from "./page-views.ts";
import { sse } from "./sse.ts";

/** Only our own script and style run; nothing may frame the page or leave the origin. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const asset = (type: string, body: string) => () =>
  new Response(body, {
    headers: {
      "content-type": `${type}; charset=utf-8`,
      "content-security-policy": CSP,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "cache-control": "no-store",
    },
  });

export default ((core: Core) => {
  const live = createLive(core.events);
  const a = api(core, live);
  return {
    name: "web",
    routes(app) {
      app.get("/index.html", asset("text/html", INDEX_HTML));
      app.get("/app.css", asset("text/css", APP_CSS));
      app.get("/app.js", asset("text/javascript", VIEWS_JS + TREE_JS + CHART_JS + APP_JS));
      app.get("/events", (req) => {
        try {
          return sse(core, live, req);
        } catch (e) {
          if (!core.isToolError(e)) throw e;
          return new Response(JSON.stringify({ error: e.message }), { status: 400 });
        }
      });
      app.get("/api/runs", a.runs);
      app.get("/api/run", a.run);
      app.get("/api/cost", a.cost);
      app.get("/api/agent", a.agent);
      app.post("/api/cancel", a.cancel);
    },
    dispose: () => live.dispose(),
  };
}) satisfies PluginFactory;
