// Budgets as hard caps. Before an agent starts it reserves its share of what is left (neither spent
// nor reserved by running agents); the CLI is capped at that share (--max-budget-usd) and the
// unspent part comes back when the agent ends. So agents running at once can together spend no
// more than the budget, beyond each one's last turn (the CLI checks its cap after a turn). A call
// made inside another's work (ctx.call joins the caller's run) takes each reservation out of the
// caller's ledger too, so one budget holds for the whole composition.
import { AsyncLocalStorage } from "node:async_hooks";
import type { RunHandle } from "../../core/types.ts";
import { round } from "./_results.ts";

/** The least reservation an agent starts with (about one turn of a large model): below it, it
 * waits for running agents to release theirs, or, when none runs, is not started. A budget under
 * this minimum is the minimum. */
export const MIN_RESERVATION_USD = 0.05;

const usd = (x: number) => `$${round(x, 4)}`;
/** The ledger of the combinator whose work is running, for the calls that work makes. */
const enclosing = new AsyncLocalStorage<Budget>();

/** An agent's reservation: its cap for the CLI (none without any budget), released once. */
export interface Hold {
  cap?: number;
  release(): void;
}

export class Budget {
  readonly notStarted: string[] = [];
  private reserved = 0;
  private active = 0;
  private readonly waiters = new Set<() => void>();

  /** `slots`: agents the call runs at once; `tasks`: agents it may start in all (so the last
   * ones, e.g. map_reduce's reducer, get all that is left). */
  constructor(
    readonly limit: number | undefined,
    private readonly run: RunHandle,
    private readonly slots: number,
    private toStart: number,
    private readonly parent?: Budget,
  ) {}

  get run_id(): string {
    return this.run.run_id;
  }

  spent(): number {
    return this.run.info().cost_usd;
  }

  private ownFree(): number {
    return this.limit === undefined ? Infinity : round(this.limit - this.spent() - this.reserved);
  }

  /** What is neither spent nor reserved, here and in every enclosing call's budget. */
  free(): number {
    return Math.min(this.ownFree(), this.parent?.free() ?? Infinity);
  }

  private floor(): number {
    return Math.min(MIN_RESERVATION_USD, this.limit ?? Infinity, this.parent?.floor() ?? Infinity);
  }

  private holding(): boolean {
    return this.reserved > 0 || (this.parent?.holding() ?? false);
  }

  private take(usd: number): void {
    this.reserved = round(this.reserved + usd);
    this.parent?.take(usd);
  }

  private root(): Budget {
    return this.parent?.root() ?? this;
  }

  /** No agent can start now, nor later (nothing running will release anything). */
  exhausted(): boolean {
    const free = this.free();
    return (free <= 0 || free < this.floor()) && !this.holding();
  }

  /** Reserve one agent's cap, waiting while running agents hold what it needs. A string: why it
   * is not started (recorded in notStarted); null: `signal` aborted while it waited. */
  async reserve(
    id: string,
    signal: AbortSignal,
    maxBudget?: number,
  ): Promise<Hold | string | null> {
    const most = maxBudget ?? Infinity;
    for (;;) {
      if (signal.aborted) return null;
      const free = this.free();
      if (free === Infinity) return (this.toStart--, { release: () => {} });
      const need = Math.min(this.floor(), most);
      if (free > 0 && free >= need) {
        const share = free / Math.max(1, Math.min(this.slots - this.active, this.toStart));
        const cap = round(Math.max(need, Math.min(share, most)));
        this.take(cap);
        this.active++;
        this.toStart--;
        let held = true;
        const release = () => {
          if (!held) return;
          held = false;
          this.take(-cap);
          this.active--;
          this.root().wake();
        };
        return { cap, release };
      }
      if (!this.holding()) {
        this.toStart--;
        this.notStarted.push(id);
        return this.whyNot(free, need);
      }
      await this.root().changed(signal);
    }
  }

  private whyNot(free: number, need: number): string {
    // The tightest budget in the chain is the one that stopped it.
    const by = this.tightest();
    const of = `the budget of ${usd(by.limit ?? 0)}${by === this ? "" : " (of the calling tool)"}`;
    return free <= 0
      ? `Not started: ${of} is spent (${usd(by.spent())} so far); raise "budget" to run it`
      : `Not started: ${usd(free)} of ${of} is left, under the ${
        usd(need)
      } an agent needs; raise "budget" to run it`;
  }

  private tightest(): Budget {
    return this.parent && this.parent.free() < this.ownFree() ? this.parent.tightest() : this;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.waiters.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      this.waiters.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  report(): { limit: number; spent: number; stopped: boolean; not_started: string[] } | undefined {
    if (this.limit === undefined) return undefined;
    return {
      limit: this.limit,
      spent: round(this.spent()),
      stopped: this.notStarted.length > 0,
      not_started: this.notStarted,
    };
  }
}

/** A combinator's work under its budget (`limit`, or none): it runs inside the ledger, so the
 * tools it calls reserve from it as well; inside another call's work in the same run, the
 * budget is a part of that call's. */
export function budgeted<T>(
  limit: number | undefined,
  shape: { slots: number; tasks: number },
  work: (run: RunHandle, budget: Budget) => Promise<T>,
): (run: RunHandle) => Promise<T> {
  return (run) => {
    const outer = enclosing.getStore();
    const parent = outer && outer.run_id === run.run_id ? outer : undefined;
    const budget = new Budget(limit, run, Math.max(1, shape.slots), shape.tasks, parent);
    return enclosing.run(budget, () => work(run, budget));
  };
}
