import { describe, expect, it } from "vitest";
import { AppError } from "../../core/errors";
import { createStrategy, formatPrice, listStrategyKinds, parseStrategyParams, StrategyParamsError } from "../index";

const instance = { id: "i-1", symbols: ["BTC/USDT"] };

function paramsError(fn: () => unknown): StrategyParamsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StrategyParamsError);
    return err as StrategyParamsError;
  }
  throw new Error("expected a StrategyParamsError");
}

describe("params validation names the bad parameter", () => {
  it("out of range", () => {
    const err = paramsError(() => createStrategy("ma_crossover", { fastPeriod: 500 }, instance));
    expect(err.message).toBe('Invalid parameters for strategy "ma_crossover": fastPeriod: Too big: expected number to be <=200 (got 500)');
    expect(err.code).toBe("INVALID_STRATEGY_PARAMS");
    expect(err.issues).toEqual([{ param: "fastPeriod", message: "Too big: expected number to be <=200 (got 500)" }]);
  });

  it("wrong type, non-integer period and a cross-field rule", () => {
    expect(paramsError(() => createStrategy("rsi_reversion", { rsiPeriod: "14" }, instance)).message).toMatch(/rsiPeriod: .*expected number.* \(got "14"\)/);
    expect(paramsError(() => createStrategy("rsi_reversion", { rsiPeriod: 14.5 }, instance)).message).toMatch(/rsiPeriod: .*int.*\(got 14\.5\)/);
    expect(paramsError(() => createStrategy("ma_crossover", { fastPeriod: 30, slowPeriod: 20 }, instance)).message).toContain("slowPeriod: must be greater than fastPeriod (30); it is 20");
    expect(paramsError(() => createStrategy("rsi_reversion", { oversold: 50, overbought: 50 }, instance)).message).toContain("overbought: must be greater than oversold (50); it is 50");
  });

  it("unknown and missing parameters", () => {
    expect(paramsError(() => createStrategy("ma_crossover", { fastPeriod: 9, fastperiod: 10 }, instance)).message).toMatch(/fastperiod: unknown parameter \(known: fastPeriod, slowPeriod,/);
    expect(paramsError(() => createStrategy("token_unlock", {}, instance)).message).toBe('Invalid parameters for strategy "token_unlock": calendarPath: is required');
  });

  it("NaN is refused", () => {
    expect(paramsError(() => createStrategy("bollinger_bounce", { stdDevMultiplier: Number.NaN }, instance)).message).toMatch(/stdDevMultiplier: /);
  });

  it("unknown kind and bad timeframe", () => {
    expect(() => createStrategy("macd_magic", {}, instance)).toThrow(/Unknown strategy kind "macd_magic"; known kinds: ma_crossover, rsi_reversion, bollinger_bounce, token_unlock/);
    expect(() => createStrategy("ma_crossover", {}, { ...instance, timeframe: "3m" as never })).toThrow(AppError);
  });

  it("defaults are applied and missing params object means all defaults", () => {
    expect(parseStrategyParams("ma_crossover", undefined)).toEqual({
      fastPeriod: 9,
      slowPeriod: 21,
      maType: "ema",
      rsiPeriod: 14,
      maxRsiForLong: 70,
      minRsiForShort: 30,
      allowShort: false,
      stopLossPct: 0,
      takeProfitPct: 0,
    });
    const strategy = createStrategy("ma_crossover", undefined, instance);
    // EMA(21) settles in 166 candles, RSI(14) in 202 (see Ema/Rsi.settlingCandles).
    expect(strategy.subscriptions).toEqual([{ symbol: "BTC/USDT", timeframe: "5m", warmupCandles: 202 }]);
  });
});

describe("listStrategyKinds", () => {
  const kinds = listStrategyKinds();

  it("describes every kind and every parameter as plain JSON, numbers with min, max and step", () => {
    expect(kinds.map((k) => k.kind)).toEqual(["ma_crossover", "rsi_reversion", "bollinger_bounce", "token_unlock"]);
    expect(JSON.parse(JSON.stringify(kinds))).toEqual(kinds);
    for (const kind of kinds) {
      expect(kind.description.length).toBeGreaterThan(40);
      for (const p of kind.params) {
        expect(p.label.length, `${kind.kind}.${p.name} label`).toBeGreaterThan(2);
        expect(p.description, `${kind.kind}.${p.name} description`).toBeTruthy();
        if (p.type === "integer" || p.type === "number") {
          expect(p.min, `${kind.kind}.${p.name}`).toBeTypeOf("number");
          expect(p.max, `${kind.kind}.${p.name}`).toBeTypeOf("number");
          expect(p.step, `${kind.kind}.${p.name}`).toBeGreaterThan(0);
          expect(p.default as number).toBeGreaterThanOrEqual(p.min!);
          expect(p.default as number).toBeLessThanOrEqual(p.max!);
        }
      }
    }
    const fast = kinds[0].params.find((p) => p.name === "fastPeriod");
    expect(fast).toEqual({ name: "fastPeriod", type: "integer", label: "Fast MA period", description: "Candles in the fast moving average.", required: false, default: 9, min: 2, max: 200, step: 1 });
    expect(kinds[0].params.find((p) => p.name === "maType")).toMatchObject({ type: "enum", options: ["ema", "sma"], default: "ema" });
    expect(kinds[3].params.find((p) => p.name === "calendarPath")).toMatchObject({ type: "string", required: true });
  });

  it("offers the seed POC's EMA 9/21 on 5m and 20/50 presets, and every preset validates", () => {
    const presets = kinds[0].presets;
    expect(presets.map((p) => [p.timeframe, p.params.fastPeriod, p.params.slowPeriod])).toEqual([
      ["5m", 9, 21],
      ["1h", 20, 50],
    ]);
    for (const kind of kinds) {
      for (const preset of kind.presets) {
        const params = kind.kind === "token_unlock" ? { ...preset.params, calendarPath: "unlocks.csv" } : preset.params;
        expect(() => parseStrategyParams(kind.kind, params), `${kind.kind} ${preset.id}`).not.toThrow();
      }
    }
  });
});

describe("formatPrice", () => {
  it("shows about six significant digits and at least two decimals", () => {
    expect(formatPrice(23412.5)).toBe("23,412.50");
    expect(formatPrice(1623.456)).toBe("1,623.46");
    expect(formatPrice(98.02334)).toBe("98.0233");
    expect(formatPrice(8)).toBe("8.00");
    expect(formatPrice(1.823456)).toBe("1.82346");
    expect(formatPrice(0.38123)).toBe("0.38123");
    expect(formatPrice(0.0000123456)).toBe("0.0000123456");
  });
});
