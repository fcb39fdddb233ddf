import type { Clock } from "../core/clock";
import { errorMessage } from "../core/errors";
import type { Candle } from "../model/types";
import type { CandleStore } from "./candle-store";
import { backoffDelay, type BackoffPolicy } from "./retry";

/**
 * The market data service's write-behind queue of closed candles: candles are saved to the store in
 * batches (when a batch is full, and on every housekeeping tick); a failed save keeps the candles, in
 * order and before anything newer, and is tried again after a backoff on the injected clock. At most
 * one save is in flight.
 */
export class CandlePersistQueue {
  private readonly queue: Candle[] = [];
  private persisting: Promise<void> | undefined;
  private failures = 0;
  private retryAt = 0;

  constructor(
    private readonly options: {
      store: CandleStore | undefined;
      clock: Clock;
      backoff: BackoffPolicy;
      random: () => number;
      /** Candles that make a full batch (saved at once). Default 500. */
      batchSize?: number;
      log: (level: "error", message: string) => void;
    },
  ) {}

  /** Whether candles are persisted at all (a store was given). */
  get enabled(): boolean {
    return this.options.store !== undefined;
  }

  /** Queue a closed candle; a full batch is saved at once unless a save runs or the retry backoff holds. */
  push(candle: Candle): void {
    this.queue.push(candle);
    const batchFull = this.queue.length >= (this.options.batchSize ?? 500);
    if (batchFull && !this.persisting && this.options.clock.now() >= this.retryAt) void this.flush();
  }

  /** The housekeeping tick: save what is queued unless a save runs or the retry backoff holds. */
  tick(now: number): void {
    if (this.queue.length > 0 && !this.persisting && now >= this.retryAt) void this.flush();
  }

  /** Lift the retry backoff (at stop: the last flush is attempted at once). */
  clearBackoff(): void {
    this.retryAt = 0;
  }

  /** Writes queued closed candles to the store now. */
  flush(): Promise<void> {
    const store = this.options.store;
    if (!store || this.queue.length === 0) return this.persisting ?? Promise.resolve();
    if (this.persisting) return this.persisting.then(() => this.flush());
    const batch = this.queue.splice(0, this.queue.length);
    this.persisting = store
      .saveClosed(batch)
      .then(
        () => {
          this.failures = 0;
        },
        (err: unknown) => {
          // Keep the candles (in order, before anything newer) and try again later.
          this.queue.unshift(...batch);
          this.retryAt = this.options.clock.now() + backoffDelay(this.failures++, this.options.backoff, this.options.random);
          this.options.log("error", `saving ${batch.length} candles failed, will retry: ${errorMessage(err)}`);
        },
      )
      .finally(() => {
        this.persisting = undefined;
      });
    return this.persisting;
  }
}
