// MCP logging: a client that calls logging/setLevel gets the run lifecycle (the core's events) as
// notifications/message at and above that level; a client that never asks gets none, so clients
// that show every log message are not flooded unasked.
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { type LoggingLevel, SetLevelRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type { Events, SwarmEvent } from "../core/types.ts";

const LEVELS: LoggingLevel[] = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
];

/** A level and a sentence per event worth a line; progress and cost ticks are left to progress. */
function line(e: SwarmEvent): [LoggingLevel, string] | undefined {
  switch (e.type) {
    case "run.started":
      return ["info", `run ${e.run_id} started: ${e.tool}, ${e.total} agent(s)`];
    case "run.finished":
      return [
        e.status === "failed" ? "warning" : "info",
        `run ${e.run_id} ${e.status}, $${e.cost_usd.toFixed(4)}`,
      ];
    case "agent.started":
      return ["debug", `agent ${e.ref} started on ${e.image}`];
    case "agent.finished": {
      const r = e.ref;
      const why = r.error ? `: ${r.error.slice(0, 300)}` : "";
      return [r.status === "ok" ? "debug" : "warning", `agent ${r.ref} ${r.status}${why}`];
    }
  }
}

/** Answers logging/setLevel on `server` and sends it the events at and above the level set. */
export function forwardEvents(server: Server, events: Pick<Events, "on">): void {
  let threshold = -1; // nothing until the client asks
  server.setRequestHandler(SetLevelRequestSchema, (req) => {
    threshold = LEVELS.indexOf(req.params.level);
    return {};
  });
  const off = events.on("*", (e) => {
    const said = line(e);
    if (!said || threshold < 0 || LEVELS.indexOf(said[0]) < threshold) return;
    const fields = e.type === "agent.finished"
      ? { type: e.type, ref: e.ref.ref, status: e.ref.status }
      : e;
    const data = { message: said[1], ...fields };
    server.sendLoggingMessage({ level: said[0], logger: "swarm-mcp", data }).catch(() => {});
  });
  const closed = server.onclose;
  server.onclose = () => {
    off();
    closed?.();
  };
}
