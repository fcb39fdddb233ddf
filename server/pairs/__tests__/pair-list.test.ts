import type { Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIMULATOR_SYMBOLS } from "../../config/schema";
import { ManualClock } from "../../core/clock";
import { ManualScheduler } from "../../core/scheduler";
import { createExchange } from "../../market/exchange";
import { startSimulator, type SimulatorHandle } from "../../simulator/server";
import { PairListService, collectPairFigures } from "../pair-list";
import { rankPairs, symbolsForStrategy, type PairFigures } from "../rank";

const START = Date.UTC(2025, 4, 6, 14, 0, 0);
let sim: SimulatorHandle;
let ex: Exchange;

beforeAll(async () => {
  sim = await startSimulator({ seed: 9, historyDays: 2, startTime: START, manualClock: true, symbols: [...SIMULATOR_SYMBOLS] });
  ex = await createExchange({ id: "simulator" }, { simulator: sim });
  await ex.loadMarkets();
});

afterAll(async () => {
  await ex?.close();
  await sim?.close();
});

describe("the pair list on the simulator's ten symbols", () => {
  it("ranks all ten by liquidity and volatility, with the figures and a sentence behind each rank", async () => {
    const clock = new ManualClock(START);
    const service = new PairListService({ source: ex as never, symbols: () => SIMULATOR_SYMBOLS, clock, thresholds: { top: 3 } });
    const list = await service.refresh();
    expect(SIMULATOR_SYMBOLS).toHaveLength(10);
    expect(list.pairs.map((p) => p.symbol).sort()).toEqual([...SIMULATOR_SYMBOLS].sort());
    expect(list.pairs.map((p) => p.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const p of list.pairs) {
      expect(p.error).toBeUndefined();
      expect(p.quoteVolume).toBeGreaterThan(0);
      expect(p.spreadBps).toBeGreaterThan(0);
      expect(p.depthQuote).toBeGreaterThan(0);
      expect(p.atrPct).toBeGreaterThan(0);
      expect(p.reason).toMatch(new RegExp(`^#${p.rank} of 10, score [\\d.]+ \\(liquidity [\\d.]+, volatility [\\d.]+\\): 24 h volume .* USDT, spread [\\d.]+ bps, depth ±1 % .* USDT, ATR [\\d.]+ % of price`));
    }
    const scores = list.pairs.map((p) => p.score!);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(list.selected).toEqual(list.pairs.slice(0, 3).map((p) => p.symbol));
    expect(service.latest()).toBe(list);
  });

  it("the figures match what the venue says: spread from the best bid and ask, ATR from closed candles", async () => {
    const f = await collectPairFigures(ex as never, "BTC/USDT");
    const book = await ex.fetchOrderBook("BTC/USDT", 5);
    const bid = book.bids[0][0]!;
    const ask = book.asks[0][0]!;
    expect(f.spreadBps).toBeCloseTo(((ask - bid) / ((ask + bid) / 2)) * 10_000, 6);
    expect(f.atrPct).toBeGreaterThan(0.01);
    expect(f.atrPct).toBeLessThan(20);
  });

  it("refreshes on the scheduler's clock, not on a wall-clock timer", async () => {
    const clock = new ManualClock(START);
    const scheduler = new ManualScheduler();
    const seen: number[] = [];
    const service = new PairListService({ source: ex as never, symbols: () => ["BTC/USDT", "ETH/USDT"], clock, scheduler, refreshMs: 60_000, onRefresh: (l) => seen.push(l.at) });
    service.start();
    await expect.poll(() => seen.length, { timeout: 20_000 }).toBe(1);
    clock.advance(60_000);
    scheduler.runDue(clock.now());
    await expect.poll(() => seen.length, { timeout: 20_000 }).toBe(2);
    expect(seen).toEqual([START, START + 60_000]);
    service.stop();
  });
});

describe("ranking rules", () => {
  const pair = (symbol: string, o: Partial<PairFigures> = {}): PairFigures => ({ symbol, lastPrice: 100, quoteVolume: 5e6, spreadBps: 2, depthQuote: 50_000, atrPct: 1, ...o });

  it("a thin, wide or too quiet pair is not ranked and says which threshold it failed", () => {
    const list = rankPairs([pair("A/USDT"), pair("THIN/USDT", { quoteVolume: 10_000 }), pair("WIDE/USDT", { spreadBps: 40 }), pair("DEAD/USDT", { atrPct: 0.05 })]);
    expect(list.pairs.map((p) => [p.symbol, p.rank])).toEqual([["A/USDT", 1], ["DEAD/USDT", null], ["THIN/USDT", null], ["WIDE/USDT", null]]);
    expect(list.pairs.find((p) => p.symbol === "THIN/USDT")?.failed).toEqual(["24 h volume 10 k USDT below 1 M USDT"]);
    expect(list.pairs.find((p) => p.symbol === "WIDE/USDT")?.reason).toBe("not ranked: spread 40 bps above 10 bps");
    expect(list.pairs.find((p) => p.symbol === "DEAD/USDT")?.failed[0]).toMatch(/ATR 0.05 % below 0.2 %/);
  });

  it("more liquid beats less liquid at equal volatility; ATR at the target beats ATR at the edge", () => {
    const byLiquidity = rankPairs([pair("LO/USDT", { quoteVolume: 2e6, depthQuote: 20_000, spreadBps: 5 }), pair("HI/USDT", { quoteVolume: 9e7, depthQuote: 900_000, spreadBps: 1 })]);
    expect(byLiquidity.selected[0]).toBe("HI/USDT");
    const byVolatility = rankPairs([pair("EDGE/USDT", { atrPct: 4.8 }), pair("TARGET/USDT", { atrPct: 1 })]);
    expect(byVolatility.pairs[0]).toMatchObject({ symbol: "TARGET/USDT", volatilityScore: 100 });
  });

  it("the whitelist wins: a pair outside it is never selected, however good", () => {
    const list = rankPairs([pair("BEST/USDT", { quoteVolume: 1e9 }), pair("OK/USDT")], { whitelist: ["OK/USDT"] });
    expect(list.selected).toEqual(["OK/USDT"]);
    expect(list.pairs.find((p) => p.symbol === "BEST/USDT")?.failed).toEqual(["not in the whitelist"]);
  });

  it("feeds a strategy the selection, kept to the instance's own symbols when it names some", () => {
    const list = rankPairs([pair("A/USDT", { quoteVolume: 9e6 }), pair("B/USDT", { quoteVolume: 8e6 }), pair("C/USDT", { quoteVolume: 7e6 })], { top: 2 });
    expect(symbolsForStrategy(list, [])).toEqual(list.selected);
    expect(symbolsForStrategy(list, ["B/USDT", "C/USDT"])).toEqual(list.selected.filter((s) => s === "B/USDT" || s === "C/USDT"));
    expect(symbolsForStrategy(list, ["Z/USDT"])).toEqual(["Z/USDT"]);
    expect(symbolsForStrategy(undefined, ["Z/USDT"])).toEqual(["Z/USDT"]);
  });
});
