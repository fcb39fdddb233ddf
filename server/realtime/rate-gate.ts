/**
 * At most `max` passes per key in any `windowMs` (a sliding window of the last passes' times): the
 * feed's public trades go out at no more than 20 a second per symbol (docs/api.md issue 21, market:trade).
 * What does not pass is dropped: a trades tape shows the newest trades, it does not sum them.
 */
export class RateGate {
  readonly #passes = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(Number.isInteger(max) && max >= 1)) throw new RangeError(`RateGate: max must be a whole number ≥ 1 (got ${max})`);
    if (!(windowMs > 0 && Number.isFinite(windowMs))) throw new RangeError(`RateGate: windowMs must be > 0 (got ${windowMs})`);
  }

  /** True when one more may go now for this key (and counts it). */
  pass(key: string): boolean {
    const now = this.now();
    let times = this.#passes.get(key);
    if (!times) this.#passes.set(key, (times = []));
    while (times.length > 0 && now - times[0]! >= this.windowMs) times.shift();
    if (times.length >= this.max) return false;
    times.push(now);
    return true;
  }
}
