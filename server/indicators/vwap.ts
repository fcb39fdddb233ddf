import { checkHighLowClose, checkVolume, rejectInput, type Indicator, type TimedBar } from "./types";

export interface VwapOptions {
  /**
   * Restart the average when the bar's open time enters a new session of this length, counted from
   * the Unix epoch (UTC): 86_400_000 restarts it at 00:00 UTC every day. Omit for one cumulative VWAP.
   */
  sessionMs?: number;
}

/**
 * Volume-weighted average price of the typical price (high + low + close) / 3, cumulative since the
 * start or since the current session began. Not part of TA-Lib. The value is undefined until the
 * session has traded some volume (so it can briefly be not ready again right after a session reset).
 */
export class Vwap implements Indicator<TimedBar, number> {
  readonly name: string;
  readonly warmup = 1;
  readonly sessionMs: number | undefined;
  private consumed = 0;
  private session = Number.NaN;
  private priceVolume = 0;
  private volume = 0;
  private current = 0;

  constructor(options: VwapOptions = {}) {
    const { sessionMs } = options;
    if (sessionMs !== undefined && !(Number.isInteger(sessionMs) && sessionMs > 0)) {
      throw new RangeError(`VWAP: sessionMs must be a positive whole number of milliseconds (got ${String(sessionMs)})`);
    }
    this.sessionMs = sessionMs;
    this.name = sessionMs === undefined ? "VWAP" : `VWAP(session ${sessionMs / 3_600_000}h)`;
  }

  get count(): number {
    return this.consumed;
  }
  get isReady(): boolean {
    return this.volume > 0;
  }
  get value(): number | undefined {
    return this.volume > 0 ? this.current : undefined;
  }
  /** Start (epoch ms) of the current session, or undefined without sessions / before the first bar. */
  get sessionStart(): number | undefined {
    return this.sessionMs !== undefined && this.consumed > 0 ? this.session * this.sessionMs : undefined;
  }

  update(bar: TimedBar): number | undefined {
    checkHighLowClose(this.name, bar);
    checkVolume(this.name, bar.volume);
    if (this.sessionMs !== undefined) {
      if (!Number.isFinite(bar.openTime)) rejectInput(this.name, "openTime", bar.openTime);
      const session = Math.floor(bar.openTime / this.sessionMs);
      if (session !== this.session) {
        this.session = session;
        this.priceVolume = 0;
        this.volume = 0;
      }
    }
    this.consumed++;
    const typical = (bar.high + bar.low + bar.close) / 3;
    this.priceVolume += typical * bar.volume;
    this.volume += bar.volume;
    if (this.volume === 0) return undefined;
    this.current = this.priceVolume / this.volume;
    return this.current;
  }

  reset(): void {
    this.consumed = 0;
    this.session = Number.NaN;
    this.priceVolume = 0;
    this.volume = 0;
    this.current = 0;
  }
}
