import { describe, expect, it } from "vitest";
import type { Candle, Signal } from "../../model/types";
import { BaseStrategy, createStrategy, NO_SIGNALS, SafeStrategy, StrategyInputError, type StrategyContext, type StrategyErrorReport } from "../index";
import { actionsAt, candlesFromCloses, closeTimeOf, flat, runLive } from "./harness";

/** A strategy with a bug: it throws on candles whose close ends in .13, and otherwise goes long on every up-close. */
class FlakyStrategy extends BaseStrategy<Record<string, never>, { previous: number }> {
  constructor() {
    super("flaky", { id: "flaky-1", symbols: ["BTC/USDT"] }, {}, [{ timeframe: "5m", warmupCandles: 0 }]);
  }
  protected createState() {
    return { previous: 0 };
  }
  protected ingest(s: { previous: number }, candle: Candle) {
    if (candle.close.toFixed(2).endsWith(".13")) throw new TypeError("cannot read properties of undefined (reading 'value')");
    s.previous = candle.close;
  }
  protected isReady() {
    return true;
  }
  protected decide(_s: unknown, candle: Candle, ctx: StrategyContext<Record<string, never>>): readonly Signal[] {
    if (ctx.position === "none" && candle.close > candle.open) return [this.signal(candle, "enter_long", `up close at ${candle.close}`, { close: candle.close })];
    if (ctx.position === "long" && candle.close < candle.open) return [this.signal(candle, "exit_long", `down close at ${candle.close}`, { close: candle.close })];
    return NO_SIGNALS;
  }
}

/** Emits whatever signal it is given, to exercise the wrapper's signal checks. */
class EmitterStrategy extends FlakyStrategy {
  next: Partial<Signal>[] = [];
  protected override ingest() {}
  protected override decide(_s: unknown, candle: Candle): readonly Signal[] {
    return this.next.map((over) => ({ ...this.signal(candle, "enter_long", "test", { close: candle.close }), ...over }) as Signal);
  }
}

function collect() {
  const reports: StrategyErrorReport[] = [];
  return { reports, onError: (r: StrategyErrorReport) => reports.push(r) };
}

describe("safe wrapper", () => {
  it("a throwing strategy is reported, skipped for that candle, and keeps trading afterwards", () => {
    const { reports, onError } = collect();
    const safe = new SafeStrategy(new FlakyStrategy(), onError);
    const closes = [100, 101, 102.13, 103, 102, 104];
    const emitted = runLive(safe, candlesFromCloses(closes));
    expect(actionsAt(emitted)).toEqual(["1:enter_long", "4:exit_long", "5:enter_long"]);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ instanceId: "flaky-1", kind: "flaky", phase: "onCandle" });
    expect(reports[0].candle?.close).toBe(102.13);
    expect(reports[0].message).toBe(
      "strategy flaky-1 (flaky) failed in onCandle on BTC/USDT 5m candle 2024-01-01T00:10:00.000Z: cannot read properties of undefined (reading 'value')",
    );
    expect(safe.errorCount).toBe(1);
  });

  it("a throwing error handler does not escape either", () => {
    const safe = new SafeStrategy(new FlakyStrategy(), () => {
      throw new Error("logger down");
    });
    expect(() => runLive(safe, candlesFromCloses([100, 102.13, 103]))).not.toThrow();
    expect(safe.errorCount).toBe(1);
  });

  it("malformed signals are dropped and reported; well-formed ones in the same batch pass", () => {
    const { reports, onError } = collect();
    const inner = new EmitterStrategy();
    const safe = new SafeStrategy(inner, onError);
    const [c] = candlesFromCloses([100]);
    inner.next = [{}, { price: Number.NaN }, { stopLoss: 105 }, { data: { rsi: Number.POSITIVE_INFINITY } }, { action: "buy" as never }, { symbol: "ETH/USDT" }];
    const out = safe.onCandle(c, { now: closeTimeOf(c), position: "none", entryPrice: undefined });
    expect(out).toHaveLength(1);
    expect(reports.map((r) => r.message.replace(/^.*: signal /, ""))).toEqual([
      "2 (enter_long) has an invalid price NaN; dropped",
      "3 (enter_long) has its stopLoss 105 on the wrong side of the price 100; dropped",
      "4 (enter_long) has an invalid data.rsi = Infinity; dropped",
      "5 (buy) has an unknown action buy; dropped",
      "6 (enter_long) is for ETH/USDT but the candle is BTC/USDT; dropped",
    ]);
    expect(reports.every((r) => r.phase === "signal")).toBe(true);
  });

  it("a failed restore is reported and the strategy starts fresh", () => {
    const { reports, onError } = collect();
    const safe = new SafeStrategy(createStrategy("ma_crossover", {}, { id: "m", symbols: ["BTC/USDT"] }), onError);
    expect(safe.restore({ kind: "rsi_reversion", version: 1, state: null })).toBe(false);
    expect(reports[0].message).toMatch(/cannot restore a "rsi_reversion" snapshot into a "ma_crossover" strategy/);
    expect(safe.restore({ kind: "ma_crossover", version: 1, state: null })).toBe(true);
    expect(safe.snapshot()).toEqual({ kind: "ma_crossover", version: 1, state: null });
  });
});

describe("strategies only see closed candles, never the future, and bad candles change nothing", () => {
  const instance = { id: "m-1", symbols: ["BTC/USDT"], timeframe: "5m" as const };
  const params = { fastPeriod: 2, slowPeriod: 4, maType: "sma", rsiPeriod: 2, maxRsiForLong: 100 };
  // After 25 flat candles (the RSI(2) filter settles in 23), SMA2 crosses SMA4 up at 30 and down at 33.
  const closes = [...flat(25, 10), 9, 8, 7, 6, 7, 9, 11, 9, 7, 6];
  const expected = ["30:enter_long", "33:exit_long"];

  it("a still-forming candle is refused", () => {
    const strategy = createStrategy("ma_crossover", params, instance);
    const [c] = candlesFromCloses([10]);
    expect(() => strategy.onCandle({ ...c, closed: false }, { now: closeTimeOf(c), position: "none", entryPrice: undefined })).toThrow(
      /still forming: strategies only receive closed candles/,
    );
    expect(() => strategy.warm({ ...c, closed: false })).toThrow(StrategyInputError);
  });

  it("a candle that closes after 'now' is refused (a backtest passing the open time would be caught)", () => {
    const strategy = createStrategy("ma_crossover", params, instance);
    const [c] = candlesFromCloses([10]);
    expect(() => strategy.onCandle(c, { now: c.openTime, position: "none", entryPrice: undefined })).toThrow(/refusing to look into the future/);
    // A few seconds of clock skew in live trading is tolerated.
    expect(() => strategy.onCandle(c, { now: closeTimeOf(c) - 2_000, position: "none", entryPrice: undefined })).not.toThrow();
  });

  it("NaN prices, malformed candles, foreign symbols and bad contexts are reported without disturbing the signals", () => {
    const { reports, onError } = collect();
    const safe = new SafeStrategy(createStrategy("ma_crossover", params, instance), onError);
    const candles = candlesFromCloses(closes);
    const bad: Candle[] = [
      { ...candles[5], close: Number.NaN },
      { ...candles[5], high: 1, low: 2 },
      { ...candles[5], volume: -1 },
      { ...candles[5], symbol: "ETH/USDT" },
      { ...candles[5], timeframe: "1h" },
    ];
    const emitted = runLive(
      {
        onCandle: (candle, ctx) => {
          if (candle === candles[5]) {
            for (const b of bad) expect(safe.onCandle(b, { ...ctx, now: ctx.now + 3_600_000 })).toBe(NO_SIGNALS);
            expect(safe.onCandle(candle, { ...ctx, position: "flat" as never })).toBe(NO_SIGNALS);
          }
          return safe.onCandle(candle, ctx);
        },
      },
      candles,
    );
    expect(actionsAt(emitted)).toEqual(expected);
    expect(reports.map((r) => r.message.replace(/^.*?: strategy m-1: /, ""))).toEqual([
      expect.stringMatching(/non-finite field .*close NaN/),
      expect.stringMatching(/is malformed \(high 1, low 2/),
      expect.stringMatching(/invalid volume -1/),
      "not subscribed to ETH/USDT",
      "not subscribed to BTC/USDT 1h candles",
      "context.position must be long, short or none (got flat)",
    ]);
  });

  it("a candle seen twice (history overlapping the live feed) is ignored", () => {
    const strategy = createStrategy("ma_crossover", params, instance);
    const candles = candlesFromCloses(closes);
    const doubled = candles.flatMap((c) => [c, c]);
    expect(runLive(strategy, doubled).map((e) => `${e.index / 2}:${e.signal.action}`)).toEqual(expected);
  });
});

describe("several symbols in one instance keep separate state", () => {
  it("BTC and ETH crosses are detected independently", () => {
    const strategy = createStrategy("ma_crossover", { fastPeriod: 2, slowPeriod: 4, maType: "sma", rsiPeriod: 2, maxRsiForLong: 100 }, { id: "multi", symbols: ["BTC/USDT", "ETH/USDT"], timeframe: "5m" });
    const btc = candlesFromCloses([...flat(25, 10), 9, 8, 7, 6, 7, 9, 11, 9, 7, 6], { symbol: "BTC/USDT" });
    const eth = candlesFromCloses([...flat(25, 10), 9, 12, 13, 14, 15, 16, 17, 18, 19, 20], { symbol: "ETH/USDT" });
    const interleaved = btc.flatMap((b, i) => [b, eth[i]]);
    const emitted = runLive(strategy, interleaved);
    expect(emitted.map((e) => `${e.signal.symbol}@${Math.floor(e.index / 2)}:${e.signal.action}`)).toEqual(["ETH/USDT@26:enter_long", "BTC/USDT@30:enter_long", "BTC/USDT@33:exit_long"]);
  });
});
