import type { TaskScheduler } from "../core/scheduler";

/**
 * The paper venue's latency model (paper-venue.ts composes it): an order reaches the matching engine
 * latencyMs after submit, at the prices of that time. Orders in flight wait here in due-time order;
 * an arrival runs when the scheduler fires or when a later market event is fed (the venue calls
 * `flush`), whichever comes first, so backtests need no timers at all.
 */
export interface InFlight {
  /** Clock time the order reaches the matching engine. */
  dueAt: number;
}

export interface LatencyModelOptions<T extends InFlight> {
  /** Delay between submit and the order reaching the matching engine. Default 0. */
  latencyMs?: number;
  /** Runs arrivals in real time. Omit in backtests: market events then drive arrivals. */
  scheduler?: TaskScheduler;
  /** The order reaches the matching engine at `ts` (its dueAt). */
  arrive: (order: T, ts: number) => void;
  /** An order that no longer needs to arrive (cancelled while in flight). */
  skip: (order: T) => boolean;
}

export class LatencyModel<T extends InFlight> {
  readonly latencyMs: number;
  private readonly scheduler: TaskScheduler | undefined;
  private readonly arrive: (order: T, ts: number) => void;
  private readonly skip: (order: T) => boolean;
  private readonly arrivals: T[] = [];

  constructor(options: LatencyModelOptions<T>) {
    this.latencyMs = options.latencyMs ?? 0;
    this.scheduler = options.scheduler;
    this.arrive = options.arrive;
    this.skip = options.skip;
    if (!Number.isFinite(this.latencyMs) || this.latencyMs < 0) {
      throw new RangeError(`paper venue option latencyMs must be a number >= 0 (got ${this.latencyMs})`);
    }
  }

  /** No latency: submit processes the order at once. */
  get immediate(): boolean {
    return this.latencyMs === 0;
  }

  /** When an order submitted at `now` reaches the matching engine. */
  dueAt(now: number): number {
    return now + this.latencyMs;
  }

  /** Arrivals still in flight. */
  get size(): number {
    return this.arrivals.length;
  }

  enqueue(order: T): void {
    let i = this.arrivals.length;
    while (i > 0 && this.arrivals[i - 1].dueAt > order.dueAt) i -= 1;
    this.arrivals.splice(i, 0, order);
    const dueAt = order.dueAt;
    this.scheduler?.schedule(dueAt, () => this.flush(dueAt, true));
  }

  /** Process orders reaching the matching engine before (or at, when inclusive) `time`. */
  flush(time: number, inclusive: boolean): void {
    while (this.arrivals.length > 0) {
      const next = this.arrivals[0];
      if (inclusive ? next.dueAt > time : next.dueAt >= time) return;
      this.arrivals.shift();
      if (this.skip(next)) continue;
      this.arrive(next, next.dueAt);
    }
  }
}
