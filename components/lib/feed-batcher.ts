/**
 * Coalesces bursts of feed events so the page updates at most once per frame, not per message.
 * Events that describe "the latest state of X" (status, an order book, a forming candle, a position)
 * replace the earlier one of the same X within a batch; the rest (signals, fills, risk events) are all kept.
 * Within a batch, events keep the order in which their key first appeared.
 * A batch is applied at the next animation frame: a busy feed then costs one cache update per frame, and an
 * event waits at most a frame (~16 ms) instead of a fixed delay. A tab in the background gets no frames, so a
 * timer applies the batch after MAX_FEED_WAIT_MS at the latest and the cache stays current there too.
 * Urgent events (a failed exit) do not wait at all: they flush the batch at once, with whatever came before
 * them, so the order of events is kept.
 */

/** Events that flush the batch as soon as they arrive. */
export const URGENT_FEED_EVENTS: ReadonlySet<string> = new Set(["exit:alarm"]);

/** The longest a batch waits when no animation frame comes (a hidden tab; browsers throttle its timers further). */
export const MAX_FEED_WAIT_MS = 100;

export interface FeedMessage {
  event: string;
  payload: unknown;
}

function str(value: unknown): string | null {
  return typeof value === "string" || typeof value === "number" ? String(value) : null;
}

/** The identity under which a newer event replaces an older one, or null when every event counts. */
export function coalesceKey(event: string, payload: unknown): string | null {
  const p = (payload && typeof payload === "object" ? payload : {}) as Record<string, unknown>;
  switch (event) {
    case "status":
    case "trading-state":
    case "kill-switch":
    case "exit:alarm":
    case "mode":
    case "hello":
      return event;
    case "ticker":
    case "orderbook": {
      const symbol = str(p.symbol);
      return symbol ? `${event}:${symbol}` : null;
    }
    case "candle": {
      const candle = (p.candle && typeof p.candle === "object" ? p.candle : {}) as Record<string, unknown>;
      const symbol = str(p.symbol);
      const timeframe = str(p.timeframe);
      const time = str(candle.time);
      return symbol && timeframe && time ? `candle:${symbol}:${timeframe}:${time}` : null;
    }
    case "position": {
      const id = str(p.id);
      return id ? `position:${id}` : null;
    }
    case "order": {
      const id = str(p.clientOrderId);
      return id ? `order:${id}` : null;
    }
    case "equity": {
      const mode = str(p.mode);
      const ts = str(p.timestamp);
      return mode && ts ? `equity:${mode}:${ts}` : null;
    }
    default:
      return null;
  }
}

/** Runs `flush` once, later; returns the cancel. */
export type Scheduler = (flush: () => void) => () => void;

/** The next animation frame, or `maxWaitMs` when none comes first (no frames in a hidden tab, none outside a browser). */
export function frameScheduler(maxWaitMs = MAX_FEED_WAIT_MS): Scheduler {
  return (flush) => {
    let pending = true;
    const frame = typeof requestAnimationFrame === "function" ? requestAnimationFrame(() => run()) : null;
    const timer = setTimeout(() => run(), maxWaitMs);
    const cancel = () => {
      pending = false;
      if (frame !== null) cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
    const run = () => {
      if (!pending) return;
      cancel();
      flush();
    };
    return cancel;
  };
}

export class FeedBatcher {
  private keyed = new Map<string, FeedMessage>();
  private order: (string | FeedMessage)[] = [];
  private cancel: (() => void) | null = null;
  private disposed = false;

  constructor(
    private readonly apply: (batch: FeedMessage[]) => void,
    private readonly schedule: Scheduler = frameScheduler(),
  ) {}

  push(event: string, payload: unknown): void {
    if (this.disposed) return;
    const key = coalesceKey(event, payload);
    const message = { event, payload };
    if (key === null) {
      this.order.push(message);
    } else {
      if (!this.keyed.has(key)) this.order.push(key);
      this.keyed.set(key, message);
    }
    if (URGENT_FEED_EVENTS.has(event)) {
      this.flush();
      return;
    }
    if (!this.cancel) this.cancel = this.schedule(() => this.flush());
  }

  /** Number of messages waiting (after coalescing). */
  get pending(): number {
    return this.order.length;
  }

  flush(): void {
    this.cancel?.();
    this.cancel = null;
    if (this.order.length === 0) return;
    const batch: FeedMessage[] = [];
    for (const entry of this.order) {
      if (typeof entry === "string") {
        const message = this.keyed.get(entry);
        if (message) batch.push(message);
      } else {
        batch.push(entry);
      }
    }
    this.order = [];
    this.keyed.clear();
    this.apply(batch);
  }

  dispose(): void {
    this.disposed = true;
    this.cancel?.();
    this.cancel = null;
    this.order = [];
    this.keyed.clear();
  }
}
