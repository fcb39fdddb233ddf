import { describe, expect, it } from "vitest";
import { createStrategy } from "../index";
import { actionsAt, candlesFromCloses, flat, runLive } from "./harness";

const instance = { id: "rev-1", symbols: ["ETH/USDT"], timeframe: "15m" as const };
const on = { symbol: "ETH/USDT", timeframe: "15m" as const };

describe("RSI mean reversion", () => {
  // RSI(2) settles after 23 candles, so each scenario starts with 30 flat candles at 10 (no movement:
  // TA-Lib's RSI is 0 there, which the strategy reads as a neutral 50).
  const PRE = 30;
  // By hand, after the flat stretch (average gain = loss = 0): 9, 8, 7 → loss 0.5, 0.75, 0.875, RSI 0;
  // 8 → gain 0.5, loss 0.4375, RSI 53.3 (up through 30); 9 → gain 0.75, loss 0.21875, RSI 77.4 (≥ 70).
  const dipAndRecovery = [...flat(PRE, 10), 9, 8, 7, 8, 9, 10];

  it("enters long when RSI crosses up through 30 and exits when it reaches 70", () => {
    const strategy = createStrategy("rsi_reversion", { rsiPeriod: 2 }, instance);
    const emitted = runLive(strategy, candlesFromCloses(dipAndRecovery, on));
    expect(actionsAt(emitted)).toEqual([`${PRE + 3}:enter_long`, `${PRE + 4}:exit_long`]);
    expect(emitted[0].signal.reason).toBe("RSI(2) 0.0 → 53.3 crossed up through oversold 30.0 at 8.00: entering long for a bounce");
    expect(emitted[0].signal.data).toMatchObject({ previousRsi: 0, oversold: 30, overbought: 70, close: 8 });
    expect(emitted[0].signal.data.rsi).toBeCloseTo((100 * 0.5) / 0.9375, 12);
    expect(emitted[1].signal.reason).toBe("RSI(2) 53.3 → 77.4 reached overbought 70.0 at 9.00: taking the reversion profit");
  });

  it("shorts only when allowed: RSI falling back through 70, covered at 30", () => {
    // Rising: RSI 100; 12 → loss 0.5, gain 0.4375, RSI 46.7 (down through 70); 11 → RSI 22.6 (≤ 30).
    const spikeAndFade = [...flat(PRE, 10), 11, 12, 13, 12, 11, 10];
    expect(runLive(createStrategy("rsi_reversion", { rsiPeriod: 2 }, instance), candlesFromCloses(spikeAndFade, on))).toEqual([]);
    const emitted = runLive(createStrategy("rsi_reversion", { rsiPeriod: 2, allowShort: true }, instance), candlesFromCloses(spikeAndFade, on));
    expect(actionsAt(emitted)).toEqual([`${PRE + 3}:enter_short`, `${PRE + 4}:exit_short`]);
  });

  it("no signal during warm-up: the same crossing is ignored inside it and taken right after it", () => {
    const strategy = createStrategy("rsi_reversion", { rsiPeriod: 2 }, instance);
    expect(strategy.warmupCandles).toBe(23);
    const crossingAt = (index: number) => [...flat(index - 3, 10), 9, 8, 7, 8];
    expect(actionsAt(runLive(strategy, candlesFromCloses(crossingAt(23), on)))).toEqual(["23:enter_long"]);
    expect(runLive(createStrategy("rsi_reversion", { rsiPeriod: 2 }, instance), candlesFromCloses(crossingAt(22), on))).toEqual([]);
  });

  it("a quiet market is not oversold: the first uptick after a flat stretch buys nothing", () => {
    // TA-Lib's RSI is 0 over the flat stretch and 100 after the uptick: a "cross up through 30" if 0 were read literally.
    const strategy = createStrategy("rsi_reversion", { rsiPeriod: 2 }, instance);
    expect(runLive(strategy, candlesFromCloses([...flat(PRE, 10), 10.5, 10.5, 10.6], on))).toEqual([]);
  });

  it("exits a long it finds already overbought after a restart", () => {
    const strategy = createStrategy("rsi_reversion", { rsiPeriod: 2 }, instance);
    const emitted = runLive(strategy, candlesFromCloses([...flat(PRE, 10), 11, 12, 13], on), { position: "long", entryPrice: 10 });
    expect(actionsAt(emitted)).toEqual([`${PRE}:exit_long`]);
  });
});

describe("Bollinger band bounce", () => {
  // BB(20, 2) over 20 bars alternating 100/101 then: idx 20 close 96 < lower 98.10 (break);
  // idx 21 close 99.5 ≥ lower 98.02 (back inside) → long, target middle 100.225;
  // idx 22 close 100 < middle 100.225; idx 23 close 100.5 ≥ middle 100.2 → exit.
  const base = Array.from({ length: 20 }, (_, i) => 100 + (i % 2));
  const breakDown = [...base, 96, 99.5, 100, 100.5, 101, 102];

  it("enters long when a candle closes back inside the lower band, with the middle band as take-profit, and exits there", () => {
    const emitted = runLive(createStrategy("bollinger_bounce", {}, instance), candlesFromCloses(breakDown, on));
    expect(actionsAt(emitted)).toEqual(["21:enter_long", "23:exit_long"]);
    const entry = emitted[0].signal;
    expect(entry.takeProfit).toBeCloseTo(100.225, 9);
    expect(entry.data.lower as number).toBeCloseTo(98.0233, 3);
    expect(entry.data.previousLower as number).toBeCloseTo(98.1, 9);
    expect(entry.data.previousClose).toBe(96);
    expect(entry.reason).toMatch(/^Closed back inside the lower band at 99\.50 after 96\.00 < 98\.10; bands 98\.0233 \/ 100\.225 \/ 102\.427 \(BB 20, 2\.0σ\), %B 0\.\d\d; entering long, target 100\.225$/);
  });

  it("holds to the upper band when exitAt = opposite", () => {
    const emitted = runLive(createStrategy("bollinger_bounce", { exitAt: "opposite" }, instance), candlesFromCloses([...breakDown, 104, 106], on));
    expect(emitted.map((e) => e.signal.action)).toEqual(["enter_long", "exit_long"]);
    expect(emitted[1].index).toBeGreaterThan(25);
  });

  it("mirror image at the upper band when shorting is allowed", () => {
    const mirrored = breakDown.map((c) => 201 - c);
    expect(runLive(createStrategy("bollinger_bounce", {}, instance), candlesFromCloses(mirrored, on))).toEqual([]);
    const emitted = runLive(createStrategy("bollinger_bounce", { allowShort: true }, instance), candlesFromCloses(mirrored, on));
    expect(actionsAt(emitted)).toEqual(["21:enter_short", "23:exit_short"]);
    expect(emitted[0].signal.takeProfit).toBeCloseTo(201 - 100.225, 9);
  });

  it("no signal during warm-up", () => {
    const strategy = createStrategy("bollinger_bounce", {}, instance);
    expect(strategy.warmupCandles).toBe(20);
    // A plunge and recovery inside the first 20 candles cannot signal: there are no bands yet.
    const early = [100, 101, 100, 80, 100, ...base];
    expect(runLive(strategy, candlesFromCloses(early, on)).filter((e) => e.index < 20)).toEqual([]);
  });
});
