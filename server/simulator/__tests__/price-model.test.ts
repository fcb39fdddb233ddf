import { describe, expect, it } from "vitest";
import { MINUTE_MS } from "../candles";
import { SimulatorCore } from "../core";
import { CsvFormatError, parseReplayCsv } from "../csv";
import { buildSymbolSpec } from "../instruments";
import { StochasticPriceModel, SUBSTEPS_PER_MINUTE } from "../price-model";

const START = Date.UTC(2025, 0, 15, 12, 0, 0);

function closes(core: SimulatorCore, symbol: string, interval = "1m", limit = 1000): number[] {
  return core.market(symbol)!.klines({ interval, limit }).map((b) => b.close);
}

describe("price model", () => {
  it("same seed and start give the same prices, a different seed different ones", () => {
    const a = new SimulatorCore({ seed: 7, historyDays: 1, startTime: START, manualClock: true, symbols: ["BTC/USDT", "ETH/USDT"] });
    const b = new SimulatorCore({ seed: 7, historyDays: 1, startTime: START, manualClock: true, symbols: ["BTC/USDT", "ETH/USDT"] });
    const c = new SimulatorCore({ seed: 8, historyDays: 1, startTime: START, manualClock: true, symbols: ["BTC/USDT", "ETH/USDT"] });
    expect(closes(a, "BTC/USDT")).toEqual(closes(b, "BTC/USDT"));
    expect(closes(a, "ETH/USDT")).toEqual(closes(b, "ETH/USDT"));
    expect(closes(a, "BTC/USDT")).not.toEqual(closes(c, "BTC/USDT"));
  });

  it("prices do not depend on how the clock was stepped", () => {
    const oneJump = new SimulatorCore({ seed: 3, historyDays: 0, startTime: START, manualClock: true, symbols: ["SOL/USDT"] });
    const manySteps = new SimulatorCore({ seed: 3, historyDays: 0, startTime: START, manualClock: true, symbols: ["SOL/USDT"] });
    oneJump.advance(45 * MINUTE_MS);
    const chunks = [1_234, 56_789, 3_000, 17, 250_000];
    let elapsed = 0;
    for (let i = 0; elapsed < 45 * MINUTE_MS; i++) {
      const step = Math.min(chunks[i % chunks.length], 45 * MINUTE_MS - elapsed);
      manySteps.advance(step);
      elapsed += step;
    }
    expect(closes(oneJump, "SOL/USDT")).toEqual(closes(manySteps, "SOL/USDT"));
    expect(oneJump.lastPrice("SOL/USDT")).toBe(manySteps.lastPrice("SOL/USDT"));
  });

  it("a symbol's prices do not change when other symbols are added", () => {
    const alone = new SimulatorCore({ seed: 11, historyDays: 0, startTime: START, manualClock: true, symbols: ["XRP/USDT"] });
    const crowd = new SimulatorCore({ seed: 11, historyDays: 0, startTime: START, manualClock: true, symbols: ["BTC/USDT", "XRP/USDT", "DOGE/USDT"] });
    alone.advance(30 * MINUTE_MS);
    crowd.advance(30 * MINUTE_MS);
    expect(closes(alone, "XRP/USDT")).toEqual(closes(crowd, "XRP/USDT"));
  });

  it("generates every regime, gaps, and prices on the tick grid over a month of minutes", () => {
    const spec = buildSymbolSpec("DOGE/USDT");
    const model = new StochasticPriceModel(spec, 5);
    const regimes = new Set<string>();
    let gaps = 0;
    let previousClose = spec.startPrice;
    let biggestJump = 0;
    let offGrid = 0;
    for (let i = 0; i < 30 * 1440; i++) {
      const minute = model.nextMinute();
      regimes.add(minute.regime);
      if (minute.gap) gaps += 1;
      if (minute.prices.length !== SUBSTEPS_PER_MINUTE) offGrid += 1;
      for (const p of minute.prices) if (!(p > 0) || Math.abs(p * 1e5 - Math.round(p * 1e5)) > 1e-6) offGrid += 1;
      biggestJump = Math.max(biggestJump, Math.abs(minute.prices[0] / previousClose - 1));
      previousClose = minute.prices[SUBSTEPS_PER_MINUTE - 1];
    }
    expect(offGrid).toBe(0);
    expect([...regimes].sort()).toEqual(["range", "trend_down", "trend_up", "volatile"]);
    expect(gaps).toBeGreaterThan(5);
    expect(biggestJump).toBeGreaterThan(0.004);
    // A month of a realistic random walk stays within a plausible band.
    expect(previousClose / spec.startPrice).toBeGreaterThan(0.2);
    expect(previousClose / spec.startPrice).toBeLessThan(5);
  });
});

describe("candles", () => {
  const core = new SimulatorCore({ seed: 1, historyDays: 2, startTime: START, manualClock: true, symbols: ["BTC/USDT"] });
  const btc = core.market("BTC/USDT")!;

  it("history starts at a day boundary historyDays before the start and is complete", () => {
    expect(core.historyStart).toBe(Date.UTC(2025, 0, 13));
    const minutes = btc.klines({ interval: "1m", startTime: core.historyStart, limit: 1000 });
    expect(minutes[0].openTime).toBe(core.historyStart);
    minutes.forEach((bar, i) => expect(bar.openTime).toBe(core.historyStart + i * MINUTE_MS));
    // The candle's open is the previous close unless the model gapped.
    const days = btc.klines({ interval: "1d", limit: 10 });
    expect(days.map((d) => d.openTime)).toEqual([Date.UTC(2025, 0, 13), Date.UTC(2025, 0, 14), Date.UTC(2025, 0, 15)]);
    expect(days.map((d) => d.closed)).toEqual([true, true, false]);
  });

  it("larger intervals aggregate the 1-minute candles exactly", () => {
    const hours = btc.klines({ interval: "1h", limit: 5 });
    for (const hour of hours) {
      const minutes = btc.klines({ interval: "1m", startTime: hour.openTime, endTime: hour.openTime + 3_599_999, limit: 60 });
      expect(hour.open).toBe(minutes[0].open);
      expect(hour.close).toBe(minutes[minutes.length - 1].close);
      expect(hour.high).toBe(Math.max(...minutes.map((m) => m.high)));
      expect(hour.low).toBe(Math.min(...minutes.map((m) => m.low)));
      expect(hour.volume).toBeCloseTo(minutes.reduce((s, m) => s + m.volume, 0), 6);
      expect(hour.trades).toBe(minutes.reduce((s, m) => s + m.trades, 0));
    }
    const last = hours[hours.length - 1];
    expect(last.closed).toBe(false);
    expect(last.close).toBe(core.lastPrice("BTC/USDT"));
  });

  it("the forming candle closes when its minute is over", () => {
    const c = new SimulatorCore({ seed: 2, historyDays: 0, startTime: START, manualClock: true, symbols: ["ETH/USDT"] });
    const eth = c.market("ETH/USDT")!;
    const [forming] = eth.klines({ interval: "1m", limit: 1 });
    expect(forming.openTime).toBe(START);
    expect(forming.closed).toBe(false);
    c.advance(30_000);
    expect(eth.klines({ interval: "1m", limit: 1 })[0].closed).toBe(false);
    c.advance(30_000);
    const [closed, next] = eth.klines({ interval: "1m", limit: 2 });
    expect(closed).toMatchObject({ openTime: START, closed: true });
    expect(next).toMatchObject({ openTime: START + MINUTE_MS, closed: false });
  });
});

describe("CSV replay", () => {
  const csv = [
    "open_time,open,high,low,close,volume",
    "2023-03-01 00:00:00+00:00,23140.48,23150.77,23128.52,23142.31,2.131777",
    "2023-03-01 00:01:00+00:00,23143.89,23148.8,23137.61,23137.77,0.881378",
    "1677629040000,23137.77,23160,23100,23155.5,1.5",
  ].join("\n");

  it("parses ISO and epoch-ms times and rejects broken rows with their line number", () => {
    const rows = parseReplayCsv(csv);
    expect(rows.map((r) => r.openTime)).toEqual([1677628800000, 1677628860000, 1677629040000]);
    expect(() => parseReplayCsv("time,o,h,l,c,v\n1,2,3,4,5,6")).toThrow(CsvFormatError);
    expect(() => parseReplayCsv(`${csv}\n2023-03-01 00:05:00+00:00,1,0.5,0.9,1,1`)).toThrow(/line 5: high\/low/);
    expect(() => parseReplayCsv(`${csv}\n2023-03-01 00:05:00+00:00,abc,1,1,1,1`)).toThrow(/line 5: open/);
    expect(() => parseReplayCsv("open_time,open,high,low,close,volume\n2023-03-01 00:00:00+00:00,1,1,1,1,1\n2023-03-01 00:05:00+00:00,1,1,1,1,1")).toThrow(/1-minute/);
  });

  it("replays the rows minute by minute, then continues with the model from the last close", () => {
    const rows = parseReplayCsv(csv);
    const core = new SimulatorCore({ seed: 1, historyDays: 0, startTime: START, manualClock: true, symbols: ["ETH/USDT"], csv: { symbol: "BTC/USDT", rows } });
    core.advance(4 * MINUTE_MS);
    const bars = core.market("BTC/USDT")!.klines({ interval: "1m", limit: 10 });
    expect(bars.slice(0, 3).map((b) => [b.open, b.high, b.low, b.close])).toEqual(rows.map((r) => [r.open, r.high, r.low, r.close]));
    expect(bars[0].volume).toBeCloseTo(2.13177, 4);
    expect(bars[3].open).toBe(rows[2].close);
    expect(bars[3].openTime).toBe(START + 3 * MINUTE_MS);
  });
});
