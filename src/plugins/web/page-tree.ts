// The run tree: the run's agents drawn as nested lists, which wrap at phone width where a wide
// diagram would not. A nested call (ids "par-1.agent-0") is a box inside its caller's; inside a box
// agents stand in layers by their inputs (refs carry `parents`): a fan-out is one layer, a
// reducer the layer below the agents it read, chain and pipeline steps one layer each, a
// pipeline's jumps written on the step that took them.
export const TREE_JS = String.raw`
function viewTree(d) {
  var nodes = {}, depth = {}, jumps = {}, groups = {};
  d.agents.forEach(function (a) { nodes[a.ref] = a; });
  d.running.forEach(function (a) {
    if (!nodes[a.ref]) nodes[a.ref] = { ref: a.ref, agent_id: a.agent_id, call: a.call, status: "running",
      parents: [] };
  });
  (d.pipeline ? d.pipeline.steps : []).forEach(function (s) {
    if (s.ref && s.jumped_to) jumps[s.ref] = s.jumped_to;
  });
  function deep(a) { // 1 + the deepest input in this run; a cycle cannot loop (0 while visiting)
    if (a.ref in depth) return depth[a.ref];
    depth[a.ref] = 0;
    var n = 0;
    a.parents.forEach(function (p) { if (nodes[p]) n = Math.max(n, deep(nodes[p]) + 1); });
    return depth[a.ref] = n;
  }
  function group(key) {
    if (!groups[key]) {
      groups[key] = { key: key, layers: [], kids: [] };
      if (key) group(key.split(".").slice(0, -1).join(".")).kids.push(groups[key]);
    }
    return groups[key];
  }
  group("");
  Object.keys(nodes).sort(function (a, b) { return a.localeCompare(b, "en", { numeric: true }); })
    .forEach(function (k) {
      var a = nodes[k], g = group(a.call), n = deep(a);
      (g.layers[n] = g.layers[n] || []).push(a);
    });
  var queued = d.run.status === "running" ? d.run.total - d.run.done - d.running.length : 0;
  return h("section", { class: "tree", "aria-label": "Run tree" }, h("h3", null, "Tree"),
    box(groups[""], d.run.tool, queued));

  function box(g, title, queued) {
    var layers = g.layers.filter(Boolean);
    return h("div", { class: "box" }, h("p", { class: "box-t" }, title),
      layers.length ? h("ol", { class: "layers" }, layers.map(function (l, i) {
        return h("li", { class: "layer", "aria-label": "step " + (i + 1) + ", " + l.length + " agent" +
          (l.length > 1 ? "s" : "") }, h("ul", { class: "nodes" }, l.map(node)));
      })) : null,
      queued > 0 ? h("p", { class: "muted" }, queued + " queued") : null,
      g.kids.sort(function (a, b) { return nth(a.key) - nth(b.key); }).map(function (k) {
        var m = /^(.*)-(\d+)$/.exec(k.key.split(".").pop());
        return box(k, m ? m[1] + " (call " + m[2] + ")" : k.key, 0);
      }));
  }
  function nth(key) { return Number(key.split("-").pop()); }
  function own(a) { return a.call ? a.agent_id.slice(a.call.length + 1) : a.agent_id; }
  function node(a) {
    var from = a.parents.map(function (p) { return nodes[p] ? own(nodes[p]) : p; });
    return h("li", { class: "node", "data-node": a.agent_id },
      h("a", { href: "#/agent/" + a.ref }, own(a)), " ", status(a.status),
      h("span", { class: "muted" }, [a.model, a.cost_usd != null ? usd(a.cost_usd) : null,
        a.duration_seconds != null ? secs(a.duration_seconds) : null,
        a.exit_code != null && a.status !== "running" ? "exit " + a.exit_code : null]
        .filter(Boolean).map(function (x) { return " · " + x; }).join("")),
      from.length ? " " : null, from.length ? h("span", { class: "from" }, "← " + (from.length > 3 ? from.length + " agents"
        : from.join(", "))) : null,
      jumps[a.ref] ? " " : null, jumps[a.ref] ? h("span", { class: "jump" }, "→ " + jumps[a.ref]) : null);
  }
}
`;
