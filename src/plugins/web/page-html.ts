// The page's HTML shell and stylesheet. Status is always a word and a colour; at phone width the
// tables drop their least useful columns instead of scrolling sideways.
export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>swarm-mcp · runs</title>
<link rel="stylesheet" href="app.css">
<script src="app.js" defer></script>
</head>
<body>
<a class="skip" href="#view">Skip to content</a>
<header>
  <h1><a href="#/">swarm-mcp</a></h1>
  <nav aria-label="Views"><a href="#/">Runs</a> <a href="#/cost">Cost</a></nav>
  <span id="conn" role="status" aria-live="polite">connecting…</span>
</header>
<main id="view" tabindex="-1"><p>Loading…</p></main>
<footer><kbd>j</kbd>/<kbd>k</kbd> move · <kbd>Enter</kbd> open · <kbd>Esc</kbd> back · <kbd>c</kbd> cancel buttons</footer>
</body>
</html>
`;

export const APP_CSS = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fff; --muted: #5b6470; --line: #d8dee4;
  --ok: #1a7f37; --run: #0969da; --fail: #cf222e; --warn: #9a6700; --focus: #fb8500; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1;
  --line: #30363d; --ok: #3fb950; --run: #58a6ff; --fail: #f85149; --warn: #d29922; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 1rem; align-items: baseline; flex-wrap: wrap; padding: .6rem 1rem;
  border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.1rem; margin: 0; }
header a, main a { color: inherit; }
nav a { margin-right: .6rem; }
#conn { margin-left: auto; color: var(--muted); font-size: .85rem; }
main { padding: .8rem 1rem; max-width: 72rem; }
main:focus { outline: none; }
footer { padding: .6rem 1rem; color: var(--muted); font-size: .8rem; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: .5rem; top: .5rem; background: var(--bg); padding: .3rem; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 1px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line);
  white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.sel, tr:focus-within { background: color-mix(in srgb, var(--focus) 12%, transparent); }
.st { font-weight: 600; }
.st::before { content: "●"; margin-right: .3rem; }
.st-running, .st-queued { color: var(--run); }
.st-done, .st-ok { color: var(--ok); }
.st-failed, .st-timeout { color: var(--fail); }
.st-cancelled { color: var(--warn); }
.muted { color: var(--muted); }
.bar { display: inline-block; height: .5rem; background: var(--run); vertical-align: middle; }
pre { white-space: pre-wrap; word-break: break-word; background: color-mix(in srgb, var(--fg) 6%,
  transparent); padding: .6rem; border-radius: 4px; max-height: 24rem; overflow: auto; }
.tail li { margin: .2rem 0; list-style: none; }
.tail .k { display: inline-block; min-width: 3.5rem; color: var(--muted); font-size: .8rem; }
.tail .k-tool { color: var(--warn); }
.tail .k-result { color: var(--ok); }
.enc { color: var(--warn); font-weight: 600; }
button { font: inherit; padding: .3rem .8rem; border-radius: 4px; border: 1px solid var(--fail);
  color: var(--fail); background: transparent; cursor: pointer; }
svg { max-width: 100%; height: auto; }
.c-axis { stroke: currentColor; opacity: .3; }
.c-line { fill: none; stroke: var(--run); stroke-width: 2; }
.c-all { stroke: var(--muted); stroke-dasharray: 2 3; }
.c-m0 { stroke: var(--run); background: var(--run); } .c-m1 { stroke: var(--ok); background: var(--ok); }
.c-m2 { stroke: var(--warn); background: var(--warn); } .c-m3 { stroke: #8250df; background: #8250df; }
.c-m4 { stroke: #bf3989; background: #bf3989; } .c-m5 { stroke: var(--muted); background: var(--muted); }
.key { display: inline-block; width: .8rem; height: .8rem; margin-right: .4rem; vertical-align: -1px; }
.c-bar { fill: var(--run); }
.c-over { fill: var(--fail); }
.c-budget { stroke: var(--fail); stroke-width: 2; stroke-dasharray: 5 3; }
.box { border-left: 3px solid var(--line); padding: .1rem 0 .1rem .6rem; margin: .4rem 0; }
.box-t { margin: 0 0 .3rem; font-weight: 600; }
.layers { list-style: none; padding: 0; margin: 0; }
.layer + .layer::before { content: "↓"; display: block; color: var(--muted); padding-left: 1rem; }
.nodes { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: .3rem; }
.node { border: 1px solid var(--line); border-radius: 4px; padding: .15rem .45rem; font-size: .85rem; }
.node .from, .node .jump { margin-left: .4rem; color: var(--muted); }
.node .jump { color: var(--warn); }
button.small { padding: 0 .4rem; margin-left: .4rem; font-size: .8rem; }
svg text { fill: var(--muted); font-size: 11px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { color: var(--muted); }
dd { margin: 0; }
@media (max-width: 640px) {
  .wide { display: none; }
  th, td { padding: .3rem; white-space: normal; }
  td a { word-break: break-all; }
  body { font-size: 14px; }
}
`;
