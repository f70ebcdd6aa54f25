// The cost charts, drawn as inline SVG in the page: cumulative spend over time with each run as a
// point (its size its cost), and a run's spend per model. Each has a text summary beside it.
export const CHART_JS = String.raw`
function costChart(runs) {
  var pts = runs.filter(function (r) { return r.cost_usd > 0; }).slice().sort(function (a, b) {
    return Date.parse(a.started_at) - Date.parse(b.started_at);
  });
  if (!pts.length) return h("p", { class: "muted" }, "No spend yet.");
  var W = 720, H = 240, L = 56, T = 12, R = 12, Bt = 28, total = 0, t0 = Date.parse(pts[0].started_at);
  var t1 = Math.max(Date.parse(pts[pts.length - 1].started_at), t0 + 1000);
  var cum = pts.map(function (r) { total += r.cost_usd; return total; });
  var x = function (t) { return L + (W - L - R) * (Date.parse(t) - t0) / (t1 - t0); };
  var y = function (v) { return H - Bt - (H - T - Bt) * v / total; };
  var line = pts.map(function (r, i) { return x(r.started_at).toFixed(1) + "," + y(cum[i]).toFixed(1); });
  var byTool = {};
  pts.forEach(function (r) { byTool[r.tool] = (byTool[r.tool] || 0) + r.cost_usd; });
  return [h("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label":
      "Cumulative spend over time: " + usd(total) + " in " + pts.length + " runs" },
    h("line", { x1: L, y1: H - Bt, x2: W - R, y2: H - Bt, stroke: "currentColor", opacity: .3 }),
    h("line", { x1: L, y1: T, x2: L, y2: H - Bt, stroke: "currentColor", opacity: .3 }),
    h("text", { x: 4, y: T + 10 }, usd(total)), h("text", { x: 4, y: H - Bt }, "$0"),
    h("text", { x: L, y: H - 8 }, when(pts[0].started_at)),
    h("text", { x: W - R, y: H - 8, "text-anchor": "end" }, when(pts[pts.length - 1].started_at)),
    h("polyline", { points: line.join(" "), class: "c-line" }),
    pts.map(function (r, i) {
      return h("circle", { cx: x(r.started_at), cy: y(cum[i]), r: 2 + 6 * Math.sqrt(r.cost_usd / total),
        class: "c-dot" }, h("title", null, r.tool + " " + r.run_id + ": " + usd(r.cost_usd)));
    })),
    table("spend per tool", [["tool"], ["cost", "num"]], Object.keys(byTool).map(function (k) {
      return h("tr", null, cells([k, [usd(byTool[k]), "num"]]));
    }))];
}

function modelChart(agents) {
  var by = {}, max = 0;
  agents.forEach(function (a) {
    var m = a.model || "(unknown)";
    by[m] = (by[m] || 0) + (a.cost_usd || 0);
    max = Math.max(max, by[m]);
  });
  var models = Object.keys(by);
  if (!models.length || !max) return null;
  return [h("h3", null, "Spend per model"), h("svg", { viewBox: "0 0 520 " + (models.length * 22 + 4), width: 520,
    role: "img", "aria-label": models.map(function (m) { return m + " " + usd(by[m]); }).join(", ") },
    models.map(function (m, i) {
      return h("g", null, h("text", { x: 0, y: i * 22 + 15 }, m + " " + usd(by[m])),
        h("rect", { x: 220, y: i * 22 + 5, height: 12, width: 300 * by[m] / max, class: "c-bar" }));
    }))];
}
`;
