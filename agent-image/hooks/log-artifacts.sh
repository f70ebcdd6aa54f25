#!/bin/sh
# Claude Code PostToolUse hook: append the hook's JSON (stdin) as ONE line to the artifacts log, so
# the server can list what an agent wrote or ran. JSON strings never hold raw newlines, so folding
# CR/LF into spaces keeps the line valid JSON. A failing hook must never fail the tool: always exit 0.
out="${SWARM_ARTIFACTS_FILE:-/output/artifacts.jsonl}"
line=$(tr '\r\n' '  ' | sed 's/[[:space:]]*$//')
[ -n "$line" ] || exit 0
# Parallel tool calls run hooks concurrently; a lock keeps long lines from interleaving.
if command -v flock >/dev/null 2>&1; then
  ( flock 9 && printf '%s\n' "$line" >&9 ) 2>/dev/null 9>>"$out"
else
  printf '%s\n' "$line" 2>/dev/null >>"$out"
fi
exit 0
