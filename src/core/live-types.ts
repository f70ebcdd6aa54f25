// The doors a live view uses: lifecycle events in (core.events), HTTP routes out (Plugin.routes).
import type { Ref, RunInfo } from "./types.ts";

/** Run and agent lifecycle, as plugins see it through `core.events` (facts after they happened). */
export type SwarmEvent =
  | { type: "run.started"; run_id: string; tool: string; total: number }
  | {
    type: "run.progress";
    run_id: string;
    done: number;
    total: number;
    failed: number;
    cost_usd: number;
  }
  | { type: "run.finished"; run_id: string; status: RunInfo["status"]; cost_usd: number }
  /** The container is about to start (after the pools and the image). */
  | { type: "agent.started"; ref: string; run_id: string; agent_id: string; image: string }
  /** Every agent that got a ref, started or not (queue timeout, cancelled, refused). */
  | { type: "agent.finished"; ref: Ref }
  | { type: "cost"; run_id: string; ref: string; usd: number };

export type SwarmEventType = SwarmEvent["type"];

/** A plugin's HTTP handler: plain Fetch API. An SSE stream is a Response whose content-type is
 * text/event-stream and whose body is a ReadableStream; req.signal aborts when the client goes. */
export type RouteHandler = (req: Request) => Response | Promise<Response>;

/** Paths are exact and relative to the plugin's prefix: get("/events", h) serves
 * GET /plugins/<plugin name>/events. */
export interface RouteTable {
  get(path: string, handler: RouteHandler): void;
  post(path: string, handler: RouteHandler): void;
}

export interface Events {
  /** Call `listener` for every event of `type` ("*": all) until the returned function is called.
   * Listeners run synchronously and are never awaited: keep them quick; a throw or a rejected
   * promise is logged and the run goes on. */
  on<T extends SwarmEventType | "*">(
    type: T,
    listener: (
      event: T extends SwarmEventType ? Extract<SwarmEvent, { type: T }> : SwarmEvent,
    ) => unknown,
  ): () => void;
}
