import { systemClock, type Clock } from "../core/clock";

/**
 * Runs a task at a point in (clock) time. The paper venue uses it for order latency: with a
 * TimerScheduler the fill happens in real time; with a ManualScheduler (backtests, tests) it happens
 * exactly when the driver calls runDue(), with no timers at all.
 */
export interface ScheduledTask {
  cancel(): void;
}

export interface Scheduler {
  schedule(dueAt: number, task: () => void): ScheduledTask;
}

/** Real timers, measured against the injected clock. */
export class TimerScheduler implements Scheduler {
  constructor(private readonly clock: Clock = systemClock) {}

  schedule(dueAt: number, task: () => void): ScheduledTask {
    const timer = setTimeout(task, Math.max(0, dueAt - this.clock.now()));
    return { cancel: () => clearTimeout(timer) };
  }
}

interface ManualEntry {
  dueAt: number;
  seq: number;
  task: () => void;
  cancelled: boolean;
}

/** Deterministic scheduler: tasks run in (dueAt, insertion) order when runDue(now) is called. */
export class ManualScheduler implements Scheduler {
  private queue: ManualEntry[] = [];
  private seq = 0;

  schedule(dueAt: number, task: () => void): ScheduledTask {
    const entry: ManualEntry = { dueAt, seq: this.seq++, task, cancelled: false };
    // Latency is usually constant, so new entries almost always go at the end.
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1].dueAt > dueAt) i -= 1;
    this.queue.splice(i, 0, entry);
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  /** Run every task due at or before `now`; returns how many ran. */
  runDue(now: number): number {
    let ran = 0;
    while (this.queue.length > 0 && this.queue[0].dueAt <= now) {
      const entry = this.queue.shift()!;
      if (entry.cancelled) continue;
      entry.task();
      ran += 1;
    }
    return ran;
  }

  get pending(): number {
    let n = 0;
    for (const e of this.queue) if (!e.cancelled) n += 1;
    return n;
  }
}
