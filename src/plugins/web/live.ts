// What the page shows live, from core.events alone (no disk polling): the agents in flight of every
// run of this server (their refs exist only when they finish) and a fan-out of each event to the
// open pages' SSE streams.
import type { Events, SwarmEvent } from "../../core/types.ts";

export interface InFlight {
  ref: string;
  agent_id: string;
  image: string;
  started_at: string;
}

/** Pages listening; a slow page's queue is bounded, so one stuck tab cannot hold the server's memory. */
type Listener = (event: SwarmEvent & { at: string }) => void;

export interface Live {
  inFlight(runId: string): InFlight[];
  subscribe(fn: Listener): () => void;
  dispose(): void;
}

export function createLive(events: Events): Live {
  const running = new Map<string, Map<string, InFlight>>(); // run_id → agent_id → agent
  const listeners = new Set<Listener>();
  const off = events.on("*", (e) => {
    const at = new Date().toISOString();
    if (e.type === "agent.started") {
      const agents = running.get(e.run_id) ?? running.set(e.run_id, new Map()).get(e.run_id)!;
      agents.set(e.agent_id, { ref: e.ref, agent_id: e.agent_id, image: e.image, started_at: at });
    } else if (e.type === "agent.finished") {
      running.get(e.ref.run_id)?.delete(e.ref.agent_id);
    } else if (e.type === "run.finished") {
      running.delete(e.run_id);
    }
    for (const fn of listeners) fn({ ...e, at });
  });
  return {
    inFlight: (runId) => [...running.get(runId)?.values() ?? []],
    subscribe(fn) {
      listeners.add(fn);
      return () => void listeners.delete(fn);
    },
    dispose() {
      off();
      listeners.clear();
    },
  };
}
