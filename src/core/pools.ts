// Pools: a global concurrency limit plus named resource pools (semaphores). Several pools are taken
// in one fixed order (named pools sorted by name, the global slot last), so two callers can never
// deadlock, and a caller queued for a busy GPU holds no global slot while it waits.
import { fail } from "./errors.ts";
import type { Pools, PoolState } from "./types.ts";

const POOL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
export const GLOBAL_POOL = "global";

interface Waiter {
  grant(): void;
}

class Semaphore {
  running = 0;
  readonly queue: Waiter[] = [];
  constructor(readonly name: string, readonly limit: number) {}

  /** Resolves when a permit is held; rejects on abort or when the deadline passes. */
  take(signal: AbortSignal | undefined, deadline: number): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.running < this.limit && this.queue.length === 0) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
      };
      const waiter: Waiter = {
        grant: () => {
          done();
          this.running++;
          resolve();
        },
      };
      const onAbort = () => {
        done();
        reject(signal!.reason);
      };
      const timer = setTimeout(() => {
        done();
        const state = `${this.running} running, ${this.queue.length} waiting`;
        reject(Object.assign(new Error(state), { name: "QueueTimeout" }));
      }, Math.max(0, deadline - Date.now()));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  give(): void {
    this.running--;
    // A waiter removed itself on abort/timeout, so the head is always live.
    if (this.running < this.limit) this.queue[0]?.grant();
  }
}

export interface PoolOptions {
  maxConcurrent: number;
  queueTimeoutS: number;
  /** Capacity of a named pool; SWARM_RESOURCE_<name> in the environment. */
  capacity(name: string): number;
}

export function poolCapacityFromEnv(
  env: Record<string, string | undefined>,
): (name: string) => number {
  return (name) => {
    const raw = env[`SWARM_RESOURCE_${name}`] ?? env[`SWARM_RESOURCE_${name.toUpperCase()}`];
    const n = raw === undefined ? 1 : Number(raw);
    return Number.isInteger(n) && n > 0 ? n : 1;
  };
}

export function createPools(opts: PoolOptions): Pools {
  const sems = new Map<string, Semaphore>();
  const sem = (name: string) => {
    let s = sems.get(name);
    if (!s) {
      s = new Semaphore(name, name === GLOBAL_POOL ? opts.maxConcurrent : opts.capacity(name));
      sems.set(name, s);
    }
    return s;
  };

  return {
    global: GLOBAL_POOL,
    state(name): PoolState {
      const s = sem(name);
      return { name, limit: s.limit, running: s.running, waiting: s.queue.length };
    },
    async acquire(names, { signal, timeoutMs } = {}) {
      for (const n of names) {
        if (!POOL_NAME.test(n) || n === GLOBAL_POOL) {
          fail(
            "INVALID_INPUT",
            `Cannot use resource pool "${
              String(n).slice(0, 70)
            }": pool names are letters, digits, "_", "." or "-" and not "${GLOBAL_POOL}"`,
          );
        }
      }
      const order = [...new Set(names)].sort().concat(GLOBAL_POOL);
      const deadline = Date.now() + (timeoutMs ?? opts.queueTimeoutS * 1000);
      const held: Semaphore[] = [];
      try {
        for (const name of order) {
          const s = sem(name);
          await s.take(signal, deadline);
          held.push(s);
        }
      } catch (e) {
        for (const s of held.reverse()) s.give();
        if ((e as Error)?.name === "QueueTimeout") {
          const s = sem(order[held.length]!);
          const what = s.name === GLOBAL_POOL
            ? `an execution slot (SWARM_MAX_CONCURRENT=${s.limit})`
            : `resource "${s.name}" (capacity ${s.limit})`;
          fail(
            "QUEUE_TIMEOUT",
            `Cannot start the agent: ${what} was not free within ${
              Math.round((timeoutMs ?? opts.queueTimeoutS * 1000) / 1000)
            } s (${
              (e as Error).message
            }); raise the pool size or SWARM_QUEUE_TIMEOUT, or try again later`,
            { pool: s.name },
          );
        }
        throw e;
      }
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        for (const s of held.reverse()) s.give();
      };
      return { release, [Symbol.dispose]: release };
    },
  };
}
