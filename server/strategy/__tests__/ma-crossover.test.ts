import { describe, expect, it } from "vitest";
import { Ema, Rsi, Sma } from "../../indicators";
import { createStrategy, formatPrice, NO_SIGNALS, type Strategy } from "../index";
import { actionsAt, candlesFromCloses, closeTimeOf, flat, runLive } from "./harness";

const instance = { id: "mac-1", symbols: ["BTC/USDT"], timeframe: "5m" as const };
const noFilters = { maxRsiForLong: 100, minRsiForShort: 0 };

// SMA2 / SMA4 by hand, after a flat stretch at 10 (both averages 10, no side yet):
//   step: close  SMA2  SMA4  side
//      0:   9   9.5  9.75    below
//      4:   7   6.5   7.0    below
//      5:   9     8  7.25    above  ← cross up
//      7:   9    10     9    above
//      8:   7     8   8.5    below  ← cross down
const moves = [9, 8, 7, 6, 7, 9, 11, 9, 7, 6];
const WARMUP = 23; // RSI(2) settles after 23 candles; SMA4 needs only 4
const PRE = 25; // flat candles before the moves
const closes = [...flat(PRE, 10), ...moves];
const at = (step: number, action: string) => `${PRE + step}:${action}`;

function smaCrossover(extra: Record<string, unknown> = {}): Strategy {
  return createStrategy("ma_crossover", { fastPeriod: 2, slowPeriod: 4, maType: "sma", rsiPeriod: 2, ...noFilters, ...extra }, instance);
}

describe("MA crossover", () => {
  it("goes long on the exact candle the fast SMA crosses above the slow one, and exits on the cross back", () => {
    const emitted = runLive(smaCrossover(), candlesFromCloses(closes));
    expect(actionsAt(emitted)).toEqual([at(5, "enter_long"), at(8, "exit_long")]);
  });

  it("with shorting allowed, the cross down closes the long and opens a short; the next cross up reverses", () => {
    const emitted = runLive(smaCrossover({ allowShort: true }), candlesFromCloses([...closes, 9, 12]));
    // step 10: close 9, SMA2 7.5 < SMA4 7.75; step 11: close 12, SMA2 10.5 > SMA4 8.5 → cross up.
    expect(actionsAt(emitted)).toEqual([at(5, "enter_long"), at(8, "exit_long"), at(8, "enter_short"), at(11, "exit_short"), at(11, "enter_long")]);
  });

  it("touching the slow MA and moving back is not a cross", () => {
    // below: 9.5 < 9.75; close 11: SMA2 10 = SMA4 10, a touch; close 7: 9 < 9.25, below again.
    const touch = [...flat(PRE, 10), 9, 11, 7, 6];
    const fast = new Sma(2);
    const slow = new Sma(4);
    const sides = touch.map((c) => Math.sign(fast.update(c)! - slow.update(c)!)).slice(PRE);
    expect(sides).toEqual([-1, 0, -1, -1]); // the touch really happens
    expect(runLive(smaCrossover(), candlesFromCloses(touch))).toEqual([]);
    // From above: 10.5 > 10.25; close 9: 10 = 10, a touch; close 13: 11 > 10.75, above again.
    // Comparing only with the previous candle (≤ 0 then > 0) would call the last one a cross up.
    expect(runLive(smaCrossover(), candlesFromCloses([...flat(PRE, 10), 11, 9, 13, 14]))).toEqual([]);
  });

  it("no signal during warm-up: a cross on the candle right after the warm-up is the earliest one", () => {
    const strategy = smaCrossover();
    expect(strategy.warmupCandles).toBe(WARMUP);
    expect(WARMUP).toBe(Rsi.settlingCandles(2));
    // below (9.5 < 9.75), then close 12: SMA2 10.5 > SMA4 10.25, a cross. Placed at index 23: signalled.
    const crossAt = (index: number) => [...flat(index - 1, 10), 9, 12, 13];
    expect(actionsAt(runLive(strategy, candlesFromCloses(crossAt(WARMUP))))).toEqual([`${WARMUP}:enter_long`]);
    // The same cross one candle earlier falls inside the warm-up: nothing, and no late signal either.
    expect(runLive(smaCrossover(), candlesFromCloses(crossAt(WARMUP - 1)))).toEqual([]);
  });

  it("history fed through warm() never signals, and the next live candle can", () => {
    const strategy = smaCrossover();
    const candles = candlesFromCloses(closes);
    for (const c of candles.slice(0, PRE + 5)) strategy.warm(c);
    const signals = strategy.onCandle(candles[PRE + 5], { now: closeTimeOf(candles[PRE + 5]), position: "none", entryPrice: undefined });
    expect(signals.map((s) => s.action)).toEqual(["enter_long"]);
  });

  it("the reason and data carry the real numbers (EMA 9/21 at BTC prices, RSI shown)", () => {
    const strategy = createStrategy("ma_crossover", {}, instance); // defaults: EMA 9/21, RSI 14
    expect(strategy.warmupCandles).toBe(Math.max(Ema.settlingCandles(21), Rsi.settlingCandles(14)));
    const pre = strategy.warmupCandles;
    const prices = [...flat(pre, 23_500), ...Array.from({ length: 30 }, (_, i) => 23_490 - i * 10), ...Array.from({ length: 15 }, (_, i) => 23_220 + i * 25)];
    const candles = candlesFromCloses(prices);
    const emitted = runLive(strategy, candles);
    expect(emitted.map((e) => e.signal.action)).toEqual(["enter_long"]);
    const { signal, index } = emitted[0];
    const rsi = new Rsi(14);
    const fast = new Ema(9);
    const slow = new Ema(21);
    for (const p of prices.slice(0, index + 1)) {
      rsi.update(p);
      fast.update(p);
      slow.update(p);
    }
    expect(signal.price).toBe(prices[index]);
    expect(signal.data).toMatchObject({ fast: fast.value, slow: slow.value, rsi: rsi.value, close: prices[index], maType: "ema", direction: "up" });
    expect(signal.reason).toBe(
      `EMA9 crossed above EMA21 at ${formatPrice(prices[index])} (EMA9 ${formatPrice(fast.value!)} > EMA21 ${formatPrice(slow.value!)}); RSI ${rsi.value!.toFixed(1)}: entering long`,
    );
    expect(signal.reason).toMatch(/^EMA9 crossed above EMA21 at 23,\d{3}\.\d{2} \(EMA9 23,\d{3}\.\d{2} > EMA21 23,\d{3}\.\d{2}\); RSI \d+\.\d: entering long$/);
    expect(signal.timestamp).toBe(closeTimeOf(candles[index]));
    expect(signal.id).toBe(`mac-1:BTC/USDT:5m:${candles[index].openTime}:enter_long`);
  });

  it("attaches stop-loss and take-profit prices from the percentage params", () => {
    const emitted = runLive(smaCrossover({ stopLossPct: 2, takeProfitPct: 5 }), candlesFromCloses(closes));
    const entry = emitted[0].signal;
    expect(entry.stopLoss).toBeCloseTo(9 * 0.98, 12);
    expect(entry.takeProfit).toBeCloseTo(9 * 1.05, 12);
    expect(emitted[1].signal.stopLoss).toBeUndefined();
  });

  it("the RSI filter skips a long entry into an overbought market", () => {
    // RSI(2) at the cross (after 6 → 7 → 9) is far above 70: every recent change is a gain.
    const rsi = new Rsi(2);
    const atCross = closes.slice(0, PRE + 6).map((c) => rsi.update(c)).at(-1)!;
    expect(atCross).toBeGreaterThan(70);
    expect(runLive(smaCrossover({ maxRsiForLong: 70 }), candlesFromCloses(closes))).toEqual([]);
  });

  it("returns the shared empty array on quiet candles (no allocation)", () => {
    const strategy = smaCrossover();
    const candles = candlesFromCloses(closes);
    const results = candles.slice(0, PRE + 4).map((c) => strategy.onCandle(c, { now: closeTimeOf(c), position: "none", entryPrice: undefined }));
    for (const r of results) expect(r).toBe(NO_SIGNALS);
  });
});
