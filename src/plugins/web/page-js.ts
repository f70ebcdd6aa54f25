// The page's state and wiring: a hash router (#/, #/run/<id>, #/agent/<run>/<agent>, #/cost), one
// SSE stream per page (lifecycle events, plus the tail on an agent's page: one connection, since a
// browser allows six per host), renders batched into one animation frame, keyboard navigation.
export const APP_JS = String.raw`
var B = "/plugins/web/", S = { runs: [], byId: {}, route: null, run: null, agent: null, tail: null,
  cost: null };
var es = null, esFor = null, dirty = false, reloadRun = null, reloadCost = null;

function api(path, opts) {
  return fetch(B + path, opts).then(function (r) {
    return r.json().then(function (j) { if (!r.ok) throw new Error(j.error || r.status); return j; });
  });
}
function route() {
  var m = location.hash.match(/^#\/(run|agent|cost)\/?(.*)$/), id = m && m[2];
  try { id = m && decodeURIComponent(id); } catch (e) {} // a broken escape: the server says why
  return m ? { view: m[1], id: id } : { view: "runs" };
}
function render() {
  dirty = false;
  var v = document.getElementById("view"), r = S.route, kids;
  if (r.view === "run") kids = S.run ? viewRun(S.run, S.run.running) : h("p", null, "Loading…");
  else if (r.view === "agent") kids = S.agent ? viewAgent(S.agent, S.tail || S.agent.tail) : h("p", null, "Loading…");
  else if (r.view === "cost") kids = costView(S.runs, S.cost);
  else kids = viewRuns(S.runs);
  if (S.error) kids = [h("p", { role: "alert", class: "st st-failed" }, S.error), kids];
  var sel = document.activeElement && document.activeElement.getAttribute("href");
  v.replaceChildren.apply(v, [kids].flat(Infinity).filter(Boolean));
  if (sel) { var again = v.querySelector('a[href="' + CSS.escape(sel) + '"]'); if (again) again.focus(); }
  document.body.dataset.rendered = String(Date.now());
}
function soon() { if (!dirty) { dirty = true; requestAnimationFrame(render); } }
function fail(e) { S.error = String(e.message || e); soon(); }

function listen(tail) {
  if (es && esFor === tail) return;
  if (es) es.close();
  esFor = tail;
  es = new EventSource(B + "events" + (tail ? "?tail=" + encodeURIComponent(tail) : ""));
  var conn = document.getElementById("conn");
  // The list is read after the stream is up, so no run falls between the two.
  es.addEventListener("hello", function () { conn.textContent = "live"; loadRuns(); });
  es.onerror = function () { conn.textContent = "reconnecting…"; };
  es.addEventListener("swarm", function (m) { onEvent(JSON.parse(m.data)); });
  es.addEventListener("tail", function (m) { S.tail = JSON.parse(m.data); soon(); });
}
function onEvent(e) {
  var id = e.run_id || (e.ref && e.ref.run_id), r = S.byId[id];
  if (e.type === "run.started" && !r) {
    r = { run_id: id, tool: e.tool, status: "running", started_at: e.at, done: 0, total: e.total,
      failed: 0, cost_usd: 0 };
    S.byId[id] = r;
    S.runs.unshift(r);
  }
  if (!r && e.type !== "run.started") { clearTimeout(S.missing); S.missing = setTimeout(loadRuns, 300); }
  if (r && e.type === "run.progress") {
    r.done = e.done; r.total = e.total; r.failed = e.failed; r.cost_usd = e.cost_usd;
  }
  if (r && e.type === "run.finished") { r.status = e.status; r.cost_usd = e.cost_usd; r.finished_at = e.at; }
  if (S.route.view === "cost" && e.type === "run.finished") { loadCost(300); loadRuns(); } // budgets too
  if (S.route.view === "run" && S.route.id === id) refreshRun();
  if (S.route.view === "agent" && S.agent && e.type === "agent.finished" && e.ref.ref === S.agent.ref) load();
  if (S.route.view === "agent" && S.agent && e.type === "run.finished" && id === S.agent.run_id) load();
  soon();
}
function loadRuns() {
  api("api/runs").then(function (d) {
    var live = S.byId;
    S.byId = {};
    S.runs = S.runs.filter(function (r) { return !d.runs.some(function (x) { return x.run_id === r.run_id; }); })
      .concat(d.runs.map(function (r) {
        return live[r.run_id] ? Object.assign(live[r.run_id], { budget: r.budget }) : r;
      }));
    S.runs.forEach(function (r) { S.byId[r.run_id] = r; });
    soon();
  }, fail);
}
function refreshRun() {
  clearTimeout(reloadRun); // a burst of events (a map of 50) is one request
  reloadRun = setTimeout(function () {
    api("api/run?id=" + encodeURIComponent(S.route.id)).then(function (d) { S.run = d; soon(); }, fail);
  }, 150);
}
function loadCost(wait) { // a burst of runs ending is one request
  clearTimeout(reloadCost);
  reloadCost = setTimeout(function () {
    api("api/cost").then(function (d) { S.cost = d; soon(); }, fail);
  }, wait);
}
function load() {
  S.route = route(); S.error = null;
  var r = S.route;
  listen(r.view === "agent" ? r.id : null);
  if (r.view === "run") { S.run = null; refreshRun(); }
  if (r.view === "cost") { S.cost = null; loadCost(0); loadRuns(); } // budgets come with the list
  if (r.view === "agent") {
    if (!S.agent || S.agent.ref !== r.id) { S.agent = null; S.tail = null; }
    api("api/agent?ref=" + encodeURIComponent(r.id)).then(function (d) { S.agent = d; soon(); }, fail);
  }
  soon();
}

document.addEventListener("click", function (ev) {
  var b = ev.target.closest && ev.target.closest("button[data-run]"), run, agent;
  if (!b) return;
  run = b.dataset.run; agent = b.dataset.agent;
  if (!confirm(agent ? "Cancel agent " + agent + " of run " + run + "? Only it stops; the run goes on."
    : "Cancel run " + run + "? Its agents are stopped; finished refs are kept.")) return;
  b.disabled = true; b.textContent = "Cancelling…";
  api("api/cancel", { method: "POST", headers: { "content-type": "application/json",
    "x-swarm-web": "1" }, body: JSON.stringify({ run_id: run, agent_id: agent }) }).then(load, fail);
});
document.addEventListener("keydown", function (ev) {
  if (ev.altKey || ev.ctrlKey || ev.metaKey || /INPUT|TEXTAREA|BUTTON/.test(ev.target.tagName)) return;
  var links = [].slice.call(document.querySelectorAll("#view tbody a"));
  var at = links.indexOf(document.activeElement);
  if (ev.key === "j" || ev.key === "k") {
    var next = links[Math.max(0, Math.min(links.length - 1, at + (ev.key === "j" ? 1 : -1)))];
    if (next) { next.focus(); ev.preventDefault(); }
  } else if (ev.key === "Escape") {
    location.hash = S.route.view === "agent" ? "#/run/" + S.route.id.split("/")[0] : "#/";
  } else if (ev.key === "c") {
    var c = document.querySelector("#view button[data-run]"); if (c) c.focus();
  }
});
setInterval(function () { // running durations tick without a re-render
  document.querySelectorAll("[data-since]").forEach(function (e) {
    e.textContent = secs(since(e.dataset.since));
  });
}, 1000);
window.addEventListener("hashchange", load);
load();
`;
