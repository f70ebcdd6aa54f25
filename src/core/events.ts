// The lifecycle event bus plugins subscribe to (core.events): a Map of Sets. Emitting never fails
// and never waits: a listener's throw or rejection is logged, so no listener can break a run.
import type { Events, Logger, SwarmEvent } from "./types.ts";

export type Emit = (event: SwarmEvent) => void;

export function createEvents(log: Logger): Events & { emit: Emit } {
  const listeners = new Map<string, Set<(event: SwarmEvent) => unknown>>();
  const complain = (event: SwarmEvent) => (e: unknown) =>
    log.warn(`a listener of ${event.type} failed: ${(e as Error)?.message ?? e}`);
  return {
    on(type, listener) {
      const set = listeners.get(type) ?? listeners.set(type, new Set()).get(type)!;
      const fn = listener as (event: SwarmEvent) => unknown;
      set.add(fn);
      return () => void set.delete(fn);
    },
    emit(event) {
      for (const fn of [...listeners.get(event.type) ?? [], ...listeners.get("*") ?? []]) {
        try {
          const r = fn(event);
          if (r instanceof Promise) r.catch(complain(event));
        } catch (e) {
          complain(event)(e);
        }
      }
    },
  };
}
