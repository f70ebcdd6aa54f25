// The page's views (plain browser JS, no framework). Every value from the server goes into the DOM
// as text (h() never parses HTML), so an agent's output or prompt can never become markup.
export const VIEWS_JS = String.raw`"use strict";
function h(tag, attrs) {
  var e = document.createElementNS(tag === "svg" || tag in SVG ? "http://www.w3.org/2000/svg"
    : "http://www.w3.org/1999/xhtml", tag);
  for (var k in attrs || {}) if (attrs[k] != null) e.setAttribute(k, attrs[k]);
  for (var i = 2; i < arguments.length; i++) add(e, arguments[i]);
  return e;
}
var SVG = { rect: 1, line: 1, polyline: 1, circle: 1, text: 1, title: 1, g: 1 };
function add(e, kid) {
  if (kid == null || kid === false) return;
  if (Array.isArray(kid)) return kid.forEach(function (k) { add(e, k); });
  e.appendChild(typeof kid === "object" ? kid : document.createTextNode(String(kid)));
}
function usd(n) { return n == null ? "–" : "$" + Number(n).toFixed(n >= 1 ? 2 : 4); }
function secs(s) {
  if (s == null || isNaN(s)) return "–";
  s = Math.max(0, Math.round(s));
  return s < 60 ? s + " s" : s < 3600 ? Math.floor(s / 60) + " m " + (s % 60) + " s"
    : Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " m";
}
function since(a, b) { return ((b ? Date.parse(b) : Date.now()) - Date.parse(a)) / 1000; }
function when(t) { return t ? new Date(t).toLocaleString() : "–"; }
function status(s) { return h("span", { class: "st st-" + s }, s); }
function table(caption, heads, rows) {
  return h("table", null, h("caption", { class: "muted" }, caption),
    h("thead", null, h("tr", null, heads.map(function (c) {
      return h("th", { scope: "col", class: c[1] || null }, c[0]);
    }))), h("tbody", null, rows));
}
function cells(row) {
  return row.map(function (c) {
    return Array.isArray(c) ? h("td", { class: c[1] || null }, c[0]) : h("td", null, c);
  });
}

/** A cancel button: the run's (id "cancel", what the c key reaches) or one agent's. */
function stop(run, agent, label, cls) {
  return h("button", { id: agent ? null : "cancel", class: cls || null, "data-run": run,
    "data-agent": agent }, label);
}

function viewRuns(runs) {
  var rows = runs.map(function (r) {
    var dur = r.finished_at ? since(r.started_at, r.finished_at) : since(r.started_at);
    return h("tr", { "data-run": r.run_id }, cells([
      h("a", { href: "#/run/" + r.run_id }, r.run_id), r.tool, status(r.status),
      [r.done + "/" + r.total + (r.failed ? " (" + r.failed + " failed)" : ""), "num"],
      [usd(r.cost_usd), "num"], [h("span", r.finished_at ? null : { "data-since": r.started_at },
        secs(dur)), "num"], [when(r.started_at), "wide"],
    ]));
  });
  return [h("h2", null, "Runs"), runs.length ? table(runs.length + " runs, newest first",
    [["run"], ["tool"], ["status"], ["agents", "num"], ["cost", "num"], ["duration", "num"],
      ["started", "wide"]], rows) : h("p", { class: "muted" }, "No runs yet.")];
}

function viewRun(d, running) {
  var r = d.run, byId = {};
  d.agents.forEach(function (a) { byId[a.ref] = a; });
  var rows = running.map(function (a) {
    return h("tr", { "data-agent": a.agent_id }, cells([h("a", { href: "#/agent/" + a.ref },
      a.agent_id), h("span", null, status("running"),
      stop(d.run.run_id, a.agent_id, "Stop", "small")), ["–", "wide"], ["–", "num"], [h("span",
      { "data-since": a.started_at }, secs(since(a.started_at))), "num"], ["–", "num"], ["", "wide"]]));
  }).concat(d.agents.slice().sort(function (a, b) { // agent-2 before agent-10, not finish order
    return a.agent_id.localeCompare(b.agent_id, "en", { numeric: true });
  }).map(function (a) {
    var from = a.parents.map(function (p) { return byId[p] ? byId[p].agent_id : p; }).join(", ");
    return h("tr", { "data-agent": a.agent_id }, cells([h("a", { href: "#/agent/" + a.ref },
      a.agent_id), status(a.status), [a.model || "–", "wide"], [usd(a.cost_usd), "num"],
      [secs(a.duration_seconds), "num"], [String(a.exit_code), "num"],
      [from ? "from " + from : "", "wide"]]));
  }));
  return [h("h2", null, r.tool + " ", h("span", { class: "muted" }, r.run_id)),
    h("dl", null, h("dt", null, "status"), h("dd", null, status(r.status)),
      h("dt", null, "agents"), h("dd", null, r.done + "/" + r.total + " done, " + r.failed +
        " failed" + (r.status === "running" ? ", " + running.length + " running, " +
        Math.max(0, r.total - r.done - running.length) + " queued" : "")), h("dt", null, "cost"), h("dd", null, usd(r.cost_usd)),
      h("dt", null, "started"), h("dd", null, when(r.started_at)),
      r.budget ? [h("dt", null, "budget"), h("dd", null, h("meter", { min: 0, max: r.budget.limit,
        value: r.budget.spent }), " " + usd(r.budget.spent) + " spent of " + usd(r.budget.limit))] : null),
    r.status === "running" ? h("p", null, stop(r.run_id, null, "Cancel run")) : null,
    r.error ? h("pre", null, r.error.code + ": " + r.error.message) : null,
    viewTree(d),
    table("agents", [["agent"], ["status"], ["model", "wide"], ["cost", "num"],
      ["duration", "num"], ["exit", "num"], ["inputs", "wide"]], rows),
    d.pipeline ? viewTrace(d.pipeline) : null, modelChart(d.agents)];
}

function viewTrace(p) {
  return [h("h3", null, "Pipeline trace"), p.budget ? h("p", null, "budget: " + usd(p.budget.spent) +
    " spent of " + usd(p.budget.limit)) : null,
    table("steps in the order they ran", [["step"], ["status"], ["cost", "num"], ["then"], ["why"]],
      p.steps.map(function (s) {
        return h("tr", null, cells([s.ref ? h("a", { href: "#/agent/" + s.ref }, s.step_id) : s.step_id,
          status(s.status), [usd(s.cost_usd), "num"], s.jumped_to ? "→ " + s.jumped_to : "next",
          s.reason || ""]));
      }))];
}

function viewTail(t) {
  if (t.skipped === "encrypted") return h("p", { class: "enc" }, "🔒 encrypted: the stream is not shown");
  if (t.skipped && t.skipped !== "missing") return h("p", { class: "muted" }, "stream " + t.skipped);
  if (!t.items.length) return h("p", { class: "muted" }, "nothing yet");
  return h("ol", { class: "tail", "aria-live": "polite" }, t.items.map(function (i) {
    return h("li", null, h("span", { class: "k k-" + i.kind }, i.kind), " ", i.text);
  }));
}

function viewAgent(d, tail) {
  var a = d.agent, live = !a;
  return [h("h2", null, d.ref.split("/")[1] + " ", h("a", { class: "muted", href: "#/run/" + d.run_id },
    "run " + d.run_id)),
    h("dl", null, h("dt", null, "status"), h("dd", null, status(a ? a.status : "running")),
      a ? [h("dt", null, "model"), h("dd", null, a.model || "–"), h("dt", null, "cost"),
        h("dd", null, usd(a.cost_usd)), h("dt", null, "duration"), h("dd", null,
        secs(a.duration_seconds)), h("dt", null, "exit code"), h("dd", null, String(a.exit_code))]
      : null, a && a.encrypted ? [h("dt", null, "output"), h("dd", { class: "enc" }, "🔒 encrypted")]
      : null),
    live && d.running ? h("p", null, stop(d.run_id, d.ref.split("/")[1], "Cancel agent"), " ",
      stop(d.run_id, null, "Cancel run")) : null,
    a && a.status !== "ok" ? [h("h3", null, "Why it failed"), h("pre", { id: "why" },
      (d.error || "(no error)") + (d.stderr ? "\n\nstderr:\n" + d.stderr : ""))] : null,
    h("h3", null, live ? "Live tail" : "Stream"), h("div", { id: "tail" }, viewTail(tail)),
    h("h3", null, "Prompt"), h("pre", null, d.prompt || "(none)"),
    h("h3", null, "Tool calls logged"), h("pre", null, d.artifacts.filter(Boolean).join("\n") || "(none)"),
    h("h3", null, "Files"), h("pre", null, d.files || "(none)")];
}
`;
