// The cost view, drawn as inline SVG: cumulative spend over time per model (from /api/cost) and
// each run's spend as a bar with its budget as a dashed line across it (from the runs list, live).
// Every chart has a text twin (aria-label and a table), so no number is only a colour or a shape.
export const CHART_JS = String.raw`
var W = 720, H = 240, L = 56, T = 12, R = 12, Bt = 28, MODELS = 6;
function byTime(a, b) { return Date.parse(a.started_at) - Date.parse(b.started_at); }
function axes(top, from, to) {
  return [h("line", { x1: L, y1: H - Bt, x2: W - R, y2: H - Bt, class: "c-axis" }),
    h("line", { x1: L, y1: T, x2: L, y2: H - Bt, class: "c-axis" }),
    h("text", { x: 4, y: T + 10 }, usd(top)), h("text", { x: 4, y: H - Bt }, "$0"),
    h("text", { x: L, y: H - 8 }, from), h("text", { x: W - R, y: H - 8, "text-anchor": "end" }, to)];
}

function costView(runs, spend) {
  return [h("h2", null, "Cost"), h("h3", null, "Spend over time, per model"),
    spend ? modelsOverTime(spend.runs) : h("p", { class: "muted" }, "Loading…"),
    h("h3", null, "Spend per run, with budgets"), perRun(runs)];
}

function modelsOverTime(rows) {
  rows = rows.filter(function (r) { return Object.keys(r.by_model).length; }).sort(byTime);
  if (!rows.length) return h("p", { class: "muted" }, "No spend yet.");
  var sums = Object.create(null), total = 0; // model names are the agents' words: no prototype
  rows.forEach(function (r) { for (var m in r.by_model) sums[m] = (sums[m] || 0) + r.by_model[m]; });
  var names = Object.keys(sums).sort(function (a, b) { return sums[b] - sums[a]; });
  var key = function (m) { return names.indexOf(m) < MODELS - 1 || names.length === MODELS ? m : "other"; };
  var shown = names.slice(0, MODELS).map(key).filter(function (m, i, a) { return a.indexOf(m) === i; });
  var t0 = Date.parse(rows[0].started_at), t1 = Math.max(Date.parse(rows[rows.length - 1].started_at), t0 + 1000);
  names.forEach(function (m) { total += sums[m]; });
  var x = function (t) { return (L + (W - L - R) * (Date.parse(t) - t0) / (t1 - t0)).toFixed(1); };
  var y = function (v) { return (H - Bt - (H - T - Bt) * v / total).toFixed(1); };
  var cum = Object.create(null), lines = Object.create(null), all = 0;
  lines["(all)"] = [x(rows[0].started_at) + "," + y(0)]; // from $0: one run is a line too
  shown.forEach(function (m) { cum[m] = 0; lines[m] = lines["(all)"].slice(); });
  rows.forEach(function (r) {
    for (var m in r.by_model) { cum[key(m)] += r.by_model[m]; all += r.by_model[m]; }
    shown.forEach(function (m) { lines[m].push(x(r.started_at) + "," + y(cum[m])); });
    lines["(all)"].push(x(r.started_at) + "," + y(all));
  });
  shown.forEach(function (m) { lines[m].push((W - R) + "," + y(cum[m])); }); // flat to the end
  lines["(all)"].push((W - R) + "," + y(all));
  var tot = function (m) { return m === "other" ? total - names.slice(0, MODELS - 1).reduce(function (s, n) {
    return s + sums[n]; }, 0) : sums[m]; };
  return [h("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "Cumulative spend: " +
      usd(total) + " in " + rows.length + " runs; " + shown.map(function (m) { return m + " " + usd(tot(m)); })
      .join(", ") }, axes(total, when(rows[0].started_at), when(rows[rows.length - 1].started_at)),
    shown.length > 1 ? h("polyline", { points: lines["(all)"].join(" "), class: "c-line c-all" }) : null,
    shown.map(function (m, i) {
      return h("polyline", { points: lines[m].join(" "), class: "c-line c-m" + i },
        h("title", null, m + ": " + usd(tot(m))));
    })),
    table("spend per model", [["model"], ["cost", "num"]], shown.map(function (m, i) {
      return h("tr", null, cells([h("span", null, h("span", { class: "key c-m" + i, "aria-hidden": "true" }),
        m), [usd(tot(m)), "num"]]));
    }))];
}

function perRun(runs) {
  var rs = runs.filter(function (r) { return r.cost_usd > 0 || r.budget; }).slice().sort(byTime).slice(-60);
  if (!rs.length) return h("p", { class: "muted" }, "No spend yet.");
  var top = Math.max.apply(null, rs.map(function (r) { return Math.max(r.cost_usd, r.budget ? r.budget.limit : 0); }));
  var step = (W - L - R) / rs.length, y = function (v) { return H - Bt - (H - T - Bt) * v / (top || 1); };
  var budgeted = rs.filter(function (r) { return r.budget; });
  return [h("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": rs.length + " runs, " +
      budgeted.length + " with a budget; the most " + usd(top) },
    axes(top, when(rs[0].started_at), when(rs[rs.length - 1].started_at)),
    rs.map(function (r, i) {
      var x = L + i * step, over = r.budget && r.cost_usd > r.budget.limit;
      return h("g", { "data-run": r.run_id }, h("title", null, r.tool + " " + r.run_id + ": " + usd(r.cost_usd) +
          (r.budget ? " of a " + usd(r.budget.limit) + " budget" : "")),
        h("rect", { x: (x + step * .15).toFixed(1), width: (step * .7).toFixed(1), y: y(r.cost_usd).toFixed(1),
          height: (H - Bt - y(r.cost_usd)).toFixed(1), class: over ? "c-bar c-over" : "c-bar" }),
        r.budget ? h("line", { x1: x.toFixed(1), x2: (x + step).toFixed(1), y1: y(r.budget.limit).toFixed(1),
          y2: y(r.budget.limit).toFixed(1), class: "c-budget" }) : null);
    })),
    h("p", { class: "muted" }, "Bars: spend of each run (the last 60). Dashed: its budget."),
    budgeted.length ? table("runs with a budget", [["run"], ["tool"], ["spent", "num"], ["budget", "num"],
      ["used", "num"]], budgeted.slice().reverse().map(function (r) {
      return h("tr", null, cells([h("a", { href: "#/run/" + r.run_id }, r.run_id), r.tool,
        [usd(r.cost_usd), "num"], [usd(r.budget.limit), "num"],
        [Math.round(100 * r.cost_usd / (r.budget.limit || 1)) + " %", "num"]]));
    })) : null];
}

function modelChart(agents) {
  var by = Object.create(null), max = 0;
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
