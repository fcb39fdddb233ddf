import type { EventBus } from "../core/event-bus";
import { errorMessage } from "../core/errors";
import { retry, type RetryPolicy } from "../core/retry";
import type { Logger } from "../core/logger";
import type { KernelMode } from "../model/types";
import type { LedgerPosition } from "../portfolio";
import type { EngineEvents } from "../engine";
import type { EngineRecordStore, TradeToStore } from "../db";

/**
 * Write-behind recording of what the engine publishes: signals, positions, trades, equity and risk
 * events (through EngineRecordStore). Orders and fills are not here: the order manager persists them
 * itself before they are sent or published. Writes run one at a time in publication order; a failed
 * write is logged and retried a few times, and never blocks or breaks the trading loop.
 */
/** Three attempts, 100 ms then 200 ms apart (as before the one retry policy). */
const RECORD_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 200 };

export class EventRecorder {
  private queue: Promise<void> = Promise.resolve();
  private pendingCount = 0;
  private readonly unsubscribers: Array<() => void> = [];
  lastError: string | null = null;

  constructor(
    private readonly store: EngineRecordStore,
    private readonly bus: EventBus<EngineEvents>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const on = <K extends keyof EngineEvents>(event: K, write: (payload: EngineEvents[K]) => Promise<unknown>) =>
      this.unsubscribers.push(this.bus.on(event, (payload) => this.enqueue(String(event), () => write(payload))));
    on("signal", (s) => this.store.saveSignal(s));
    on("signal:outcome", (o) => this.store.saveSignalOutcome(o));
    on("position", (p) => this.store.savePosition(p, p.status));
    on("trade", (t) => this.store.saveTrades([t]));
    on("equity", (e) => this.store.saveEquity(e));
    on("risk:event", (r) => this.store.saveRiskEvent(r));
  }

  stop(): void {
    for (const off of this.unsubscribers.splice(0)) off();
  }

  get pending(): number {
    return this.pendingCount;
  }

  /** Resolves when every queued write has been attempted. */
  flush(): Promise<void> {
    return this.queue;
  }

  private enqueue(what: string, write: () => Promise<unknown>): void {
    this.pendingCount += 1;
    this.queue = this.queue.then(async () => {
      // Yield to the trading path first: the order that follows a signal is inserted before the signal
      // is recorded (one database connection; the order's insert is on the way to the venue, this is not).
      await new Promise<void>((resolve) => setImmediate(resolve));
      try {
        await retry(write, { policy: RECORD_RETRY, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
        this.lastError = null;
      } catch (err) {
        this.lastError = `${what}: ${errorMessage(err)}`;
        this.logger.error({ err, what }, "persisting an engine event failed");
      }
      this.pendingCount -= 1;
    });
  }

  saveTrades(trades: readonly TradeToStore[]): Promise<void> {
    return this.store.saveTrades(trades);
  }

  syncPositions(mode: KernelMode, open: readonly LedgerPosition[], at: number): Promise<void> {
    return this.store.syncPositions(mode, open, at);
  }
}
