import type { Clock } from "./clock";

/**
 * Timers on the injected clock. Code that must act at a point in time (the paper venue's order latency,
 * the session rules, model retraining, the pair list) asks a TaskScheduler instead of calling
 * setTimeout/setInterval, so the same code runs in real time (TimerScheduler: real timers measured
 * against the clock) and in backtests and tests (a ManualClock is its own scheduler: advancing it runs
 * every task that fell due, in time order, as NautilusTrader's TestClock.advance_time does).
 */
export interface ScheduledTask {
  cancel(): void;
}

export interface TaskScheduler {
  /** Runs `task` once when the clock reaches `dueAt` (epoch ms). */
  schedule(dueAt: number, task: () => void): ScheduledTask;
}

export interface TimerSchedulerOptions {
  /** Timers do not keep the process alive (housekeeping, session checks); default false. */
  unref?: boolean;
}

/** Real timers, measured against the injected clock. */
export class TimerScheduler implements TaskScheduler {
  constructor(
    private readonly clock: Clock = { now: () => Date.now() },
    private readonly options: TimerSchedulerOptions = {},
  ) {}

  schedule(dueAt: number, task: () => void): ScheduledTask {
    const timer = setTimeout(task, Math.max(0, dueAt - this.clock.now()));
    if (this.options.unref) timer.unref?.();
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
export class ManualScheduler implements TaskScheduler {
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

  /** Due time of the earliest task still pending, or undefined. */
  nextDueAt(): number | undefined {
    for (const e of this.queue) if (!e.cancelled) return e.dueAt;
    return undefined;
  }

  get pending(): number {
    let n = 0;
    for (const e of this.queue) if (!e.cancelled) n += 1;
    return n;
  }
}

/** A clock that can run timers itself (ManualClock). */
export interface SchedulingClock extends Clock, TaskScheduler {}

function isSchedulingClock(clock: Clock): clock is SchedulingClock {
  return typeof (clock as Partial<SchedulingClock>).schedule === "function";
}

/**
 * The scheduler of an injected clock: the clock's own timers when it has them (a ManualClock: they fire
 * as it is advanced), otherwise real timers measured against it.
 */
export function schedulerOf(clock: Clock, options: TimerSchedulerOptions = {}): TaskScheduler {
  return isSchedulingClock(clock) ? clock : new TimerScheduler(clock, options);
}

/**
 * Runs `task` every `intervalMs` of clock time, first at now + intervalMs, on a fixed grid (no drift),
 * until cancel(). On real timers a beat missed while the process was busy is skipped, not caught up;
 * on a ManualClock advanced past several beats each of them runs, at its own time.
 */
export function repeatEvery(scheduler: TaskScheduler, clock: Clock, intervalMs: number, task: () => void): ScheduledTask {
  if (!(Number.isFinite(intervalMs) && intervalMs > 0)) throw new RangeError(`interval must be a positive number of ms (got ${intervalMs})`);
  let current: ScheduledTask | undefined;
  let cancelled = false;
  const arm = (dueAt: number) => {
    current = scheduler.schedule(dueAt, () => {
      if (cancelled) return;
      let next = dueAt + intervalMs;
      const now = clock.now();
      while (next <= now) next += intervalMs;
      arm(next);
      task();
    });
  };
  arm(clock.now() + intervalMs);
  return {
    cancel: () => {
      cancelled = true;
      current?.cancel();
    },
  };
}
