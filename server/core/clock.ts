import { ManualScheduler, type ScheduledTask, type TaskScheduler } from "./scheduler";

/** Injected time source: domain code never calls Date.now() so backtests stay deterministic. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that only moves when told to: used by the backtester and tests. It is also a TaskScheduler
 * (see ./scheduler): set() and advance() run every task that falls due on the way, in time order, with
 * the clock at the task's due time while it runs, so timers behave in a backtest as they do live.
 */
export class ManualClock implements Clock, TaskScheduler {
  private readonly timers = new ManualScheduler();

  constructor(private current = 0) {}
  now(): number {
    return this.current;
  }
  set(ms: number): void {
    for (let due = this.timers.nextDueAt(); due !== undefined && due <= ms; due = this.timers.nextDueAt()) {
      if (due > this.current) this.current = due;
      this.timers.runDue(due);
    }
    this.current = ms;
  }
  advance(ms: number): void {
    this.set(this.current + ms);
  }
  schedule(dueAt: number, task: () => void): ScheduledTask {
    return this.timers.schedule(dueAt, task);
  }
  /** Timers scheduled on this clock that have not run (nor been cancelled). */
  get pendingTimers(): number {
    return this.timers.pending;
  }
}
