#!/bin/sh
# Claude Code PostToolUse hook: append one JSON line per tool call to the artifacts log, in the
# reference's shape {timestamp, tool, tool_use_id, input, response} (the hook's other fields stay).
# It needs only sh, tr, date and a POSIX awk (tested with Debian's mawk), so it works in any image
# the driver stages it into. awk renames the payload's top-level keys tool_name/tool_input/
# tool_response, walking the JSON so a nested key of the same name is left alone. JSON strings
# never hold raw newlines, so folding CR/LF into spaces keeps the line valid JSON. A failing hook
# must never fail the tool: always exit 0.
out="${SWARM_ARTIFACTS_FILE:-/output/artifacts.jsonl}"
ts=$(date -u +%Y-%m-%dT%H:%M:%SZ 2>/dev/null)
line=$(tr '\r\n' '  ' | awk -v ts="$ts" '
function rename(k) {
  if (k == "\"tool_name\"") return "\"tool\""
  if (k == "\"tool_input\"") return "\"input\""
  if (k == "\"tool_response\"") return "\"response\""
  return k
}
{
  s = $0; n = length(s); d = 0; str = 0; esc = 0; key = 0; ks = 0; last = 1; o = ""; found = 0
  for (i = 1; i <= n && found < 3; i++) {
    c = substr(s, i, 1)
    if (str) {
      if (esc) esc = 0
      else if (c == "\\") esc = 1
      else if (c == "\"") {
        str = 0
        if (ks) {
          k = substr(s, ks, i - ks + 1); r = rename(k)
          if (r != k) { o = o substr(s, last, ks - last) r; last = i + 1; found++ }
          ks = 0
        }
      }
    } else if (c == "\"") { str = 1; if (d == 1 && key) ks = i }
    else if (c == "{" || c == "[") { d++; key = (d == 1) }
    else if (c == "}" || c == "]") d--
    else if (d == 1 && c == ",") key = 1
    else if (d == 1 && c == ":") key = 0
  }
  s = o substr(s, last); sub(/^[ \t]*\{/, "{\"timestamp\":\"" ts "\",", s); sub(/[ \t]+$/, "", s)
  print s
}' 2>/dev/null)
case "$line" in "{"*) ;; *) exit 0 ;; esac
# Parallel tool calls run hooks concurrently; a lock keeps long lines from interleaving.
if command -v flock >/dev/null 2>&1; then
  ( flock 9 && printf '%s\n' "$line" >&9 ) 2>/dev/null 9>>"$out"
else
  printf '%s\n' "$line" 2>/dev/null >>"$out"
fi
exit 0
