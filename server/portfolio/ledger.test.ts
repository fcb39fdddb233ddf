import { describe, expect, it } from "vitest";
import type { Fill } from "../model/types";
import { checkExits } from "./exits";
import { Ledger, LedgerError, UNATTRIBUTED, dustRemainder, fillMetaFromOrder, sequentialLedgerIds, type FillMeta } from "./ledger";

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;

let fillSeq = 0;
function fill(side: Fill["side"], symbol: string, quantity: number, price: number, fee = 0, timestamp = T0): Fill {
  fillSeq += 1;
  return { clientOrderId: `o${fillSeq}`, venueTradeId: `t${fillSeq}`, symbol, side, price, quantity, fee, liquidity: "taker", timestamp };
}

function paper(startingCash = 100_000, allowShort = false): Ledger {
  return new Ledger({ mode: "paper", startingCash, allowShort, ids: sequentialLedgerIds("test-") });
}

/** Rules that set no automatic levels, so a test states exactly the levels it needs. */
const NO_AUTO_EXITS: FillMeta["exitRules"] = { stopLossPct: null, takeProfitPct: null, trailingActivationPct: null, trailingDistancePct: null };

describe("Ledger: booking fills", () => {
  it("buy 1 BTC at 20,000 with 0.1% fee, sell at 21,000: net P&L 1,000 − 20 − 21 = 959", () => {
    const ledger = paper(100_000);
    ledger.applyFill(fill("buy", "BTC/USDT", 1, 20_000, 20, T0), { reason: "EMA cross up", strategyInstanceId: "ema-1" });
    expect(ledger.cash).toBe(79_980);
    const out = ledger.applyFill(fill("sell", "BTC/USDT", 1, 21_000, 21, T0 + 90 * MIN), {
      reason: "EMA cross down",
      exitReason: "signal",
      strategyInstanceId: "ema-1",
    });
    expect(out.position).toBeNull();
    const trade = out.closedTrade!;
    expect(trade).toMatchObject({
      symbol: "BTC/USDT",
      side: "long",
      quantity: 1,
      entryPrice: 20_000,
      exitPrice: 21_000,
      pnl: 959,
      fees: 41,
      pnlPct: 4.795, // 959 / 20,000 × 100
      exitReason: "signal",
      entryReason: "EMA cross up",
      exitReasonText: "EMA cross down",
      strategyInstanceId: "ema-1",
      openedAt: T0,
      closedAt: T0 + 90 * MIN,
      durationMs: 90 * MIN,
      mode: "paper",
    });
    expect(ledger.cash).toBe(100_959);
    expect(ledger.realizedPnl).toBe(959);
    expect(ledger.fees).toBe(41);
    expect(ledger.equity()).toBe(100_959);
    expect(ledger.openPositionCount).toBe(0);
  });

  it("averaging in: buy 1 @100, buy 1 @110 → avg 105", () => {
    const ledger = paper(1_000);
    ledger.applyFill(fill("buy", "SOL/USDT", 1, 100));
    const out = ledger.applyFill(fill("buy", "SOL/USDT", 1, 110));
    expect(out.position).toMatchObject({ quantity: 2, avgEntryPrice: 105, costBasis: 210 });
    ledger.mark("SOL/USDT", 120);
    expect(ledger.unrealizedPnl()).toBe(30); // 2 × (120 − 105)
    expect(ledger.equity()).toBe(1_030); // 790 cash + 2 × 120
  });

  it("partial fills: three partial fills then a partial close, then the rest", () => {
    const ledger = paper(1_000);
    ledger.applyFill(fill("buy", "ETH/USDT", 0.1, 100));
    ledger.applyFill(fill("buy", "ETH/USDT", 0.2, 101));
    const afterBuys = ledger.applyFill(fill("buy", "ETH/USDT", 0.3, 102));
    // Quantities add exactly: 0.1 + 0.2 + 0.3 = 0.6, not 0.6000000000000001.
    expect(afterBuys.position!.quantity).toBe(0.6);
    expect(afterBuys.position!.costBasis).toBe(60.8); // 10 + 20.2 + 30.6
    expect(afterBuys.position!.avgEntryPrice).toBeCloseTo(101.333333333, 8);

    // Sell 0.4 @110: releases 60.8 × 0.4/0.6 = 40.53333333 of cost, proceeds 44 → +3.46666667.
    const partial = ledger.applyFill(fill("sell", "ETH/USDT", 0.4, 110));
    expect(partial.closedTrade).toBeNull();
    expect(partial.grossPnl).toBe(3.46666667);
    expect(partial.position).toMatchObject({ quantity: 0.2, costBasis: 20.26666667, realizedPnl: 3.46666667 });
    expect(partial.position!.avgEntryPrice).toBeCloseTo(101.333333333, 8);

    // Close 0.2 @105: proceeds 21 − 20.26666667 = 0.73333333; total 0.4×110 + 0.2×105 − 60.8 = 4.2 exactly.
    const done = ledger.applyFill(fill("sell", "ETH/USDT", 0.2, 105));
    expect(done.closedTrade!.pnl).toBe(4.2);
    expect(done.closedTrade!.quantity).toBe(0.6);
    expect(done.closedTrade!.entryPrice).toBeCloseTo(60.8 / 0.6, 10);
    expect(done.closedTrade!.exitPrice).toBeCloseTo(65 / 0.6, 10); // (44 + 21) / 0.6
    expect(ledger.cash).toBe(1_004.2);
  });

  it("fees only reduce cash: a round trip at the same price loses exactly the fees", () => {
    const ledger = paper(500);
    ledger.applyFill(fill("buy", "XRP/USDT", 100, 0.5, 0.05));
    ledger.applyFill(fill("sell", "XRP/USDT", 100, 0.5, 0.05));
    expect(ledger.cash).toBe(499.9);
    expect(ledger.realizedPnl).toBe(-0.1);
    expect(ledger.fees).toBe(0.1);
  });

  it("an open position's entry fee is already in realized P&L and equity = start + realized + unrealized", () => {
    const ledger = paper(1_000);
    ledger.applyFill(fill("buy", "BTC/USDT", 0.01, 20_000, 0.2));
    ledger.mark("BTC/USDT", 21_000);
    expect(ledger.realizedPnl).toBe(-0.2);
    expect(ledger.unrealizedPnl()).toBeCloseTo(10, 9);
    expect(ledger.equity()).toBeCloseTo(1_000 - 0.2 + 10, 9);
    expect(ledger.getPosition("BTC/USDT")!.realizedPnl).toBe(-0.2);
  });

  it("short ETH and cover lower: proceeds credited to cash, liability marked, P&L positive", () => {
    const ledger = paper(10_000, true);
    ledger.applyFill(fill("sell", "ETH/USDT", 2, 1_500, 3), { reason: "RSI overbought" });
    expect(ledger.cash).toBe(12_997); // 10,000 + 3,000 proceeds − 3 fee
    expect(ledger.equity()).toBe(9_997); // cash − 2 × 1,500 owed
    ledger.mark("ETH/USDT", 1_400);
    expect(ledger.equity()).toBe(10_197);
    expect(ledger.unrealizedPnl()).toBe(200);
    expect(ledger.balances()).toEqual([
      { asset: "USDT", free: 9_997, locked: 3_000 },
      { asset: "ETH", free: -2, locked: 0 },
    ]);
    const out = ledger.applyFill(fill("buy", "ETH/USDT", 2, 1_400, 2.8), { exitReason: "take_profit", reason: "Take profit 1400 hit" });
    expect(out.closedTrade).toMatchObject({ side: "short", pnl: 194.2, fees: 5.8, entryPrice: 1_500, exitPrice: 1_400, exitReason: "take_profit" });
    expect(ledger.cash).toBe(10_194.2);
    expect(ledger.equity()).toBe(10_194.2);
  });

  it("a short that rises loses: sell 1 @100, cover @110 → −10 before fees", () => {
    const ledger = paper(1_000, true);
    ledger.applyFill(fill("sell", "DOT/USDT", 1, 100));
    ledger.mark("DOT/USDT", 110);
    expect(ledger.unrealizedPnl()).toBe(-10);
    const out = ledger.applyFill(fill("buy", "DOT/USDT", 1, 110));
    expect(out.closedTrade!.pnl).toBe(-10);
    expect(ledger.cash).toBe(990);
  });

  it("flip long to short: long 1 → sell 1.5 closes the long and opens a short of 0.5, fee split by quantity", () => {
    const ledger = paper(1_000, true);
    ledger.applyFill(fill("buy", "BNB/USDT", 1, 100, 0.1), { reason: "breakout" });
    const out = ledger.applyFill(fill("sell", "BNB/USDT", 1.5, 110, 0.165, T0 + MIN), { reason: "reversal", exitReason: "signal" });
    // Closing part pays 0.165 × 1/1.5 = 0.11 of the fee, the new short 0.055.
    expect(out.closedTrade).toMatchObject({ side: "long", quantity: 1, pnl: 9.79, fees: 0.21 }); // 10 − 0.1 − 0.11
    expect(out.opened).toBe(true);
    expect(out.position).toMatchObject({ side: "short", quantity: 0.5, avgEntryPrice: 110, fees: 0.055, realizedPnl: -0.055, entryReason: "reversal" });
    expect(ledger.cash).toBe(1_064.735); // 1,000 − 100 − 0.1 + 165 − 0.165
    expect(ledger.equity()).toBeCloseTo(1_009.735, 8); // cash − 0.5 × 110 (a mark: float, not booked)
    expect(ledger.realizedPnl).toBe(9.735);
  });

  it("flip is rejected on a spot ledger and the ledger is left unchanged", () => {
    const ledger = paper(1_000);
    ledger.applyFill(fill("buy", "BTC/USDT", 1, 100));
    const before = JSON.stringify(ledger);
    let error: unknown;
    try {
      ledger.applyFill(fill("sell", "BTC/USDT", 1.5, 110));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(LedgerError);
    expect((error as LedgerError).code).toBe("LEDGER_SHORT_NOT_ALLOWED");
    expect((error as LedgerError).message).toMatch(/exceeds the long position of 1 and would open a short of 0.5/);
    expect(JSON.stringify(ledger)).toBe(before);
  });

  it("selling with no position is rejected on a spot ledger", () => {
    const ledger = paper(1_000);
    expect(() => ledger.applyFill(fill("sell", "BTC/USDT", 1, 100))).toThrow(/no long position to sell and shorting is disabled/);
    expect(ledger.cash).toBe(1_000);
  });

  it.each([
    ["NaN price", { price: Number.NaN }, /price must be a finite number > 0/],
    ["infinite quantity", { quantity: Number.POSITIVE_INFINITY }, /quantity must be a finite number > 0/],
    ["negative quantity", { quantity: -1 }, /quantity must be a finite number > 0/],
    ["zero price", { price: 0 }, /price must be a finite number > 0/],
    ["negative fee", { fee: -0.1 }, /fee must be a finite number >= 0/],
    ["NaN timestamp", { timestamp: Number.NaN }, /timestamp must be a finite/],
    ["bad side", { side: "hold" as Fill["side"] }, /side must be "buy" or "sell"/],
  ])("rejects a fill with %s and changes nothing", (_name, patch, message) => {
    const ledger = paper(1_000);
    ledger.applyFill(fill("buy", "BTC/USDT", 0.01, 20_000, 0.2));
    const before = JSON.stringify(ledger);
    expect(() => ledger.applyFill({ ...fill("buy", "BTC/USDT", 0.01, 20_000), ...patch })).toThrow(message);
    expect(JSON.stringify(ledger)).toBe(before);
  });

  it("rejects invalid meta (negative stop) without booking the fill", () => {
    const ledger = paper(1_000);
    expect(() => ledger.applyFill(fill("buy", "BTC/USDT", 0.01, 20_000), { stopLoss: -5 })).toThrow(/stopLoss must be a finite number > 0/);
    expect(ledger.cash).toBe(1_000);
    expect(ledger.openPositionCount).toBe(0);
  });

  it("booked totals are exact to 8 dp after many fills with awkward fees", () => {
    const ledger = paper(10_000);
    let expectedFees = 0n; // in 1e-8 units
    for (let i = 0; i < 200; i++) {
      const price = 12_345.67 + i * 0.01;
      const fee = Math.round(0.013 * price * 0.001 * 1e8) / 1e8;
      expectedFees += BigInt(Math.round(fee * 1e8));
      ledger.applyFill(fill(i % 2 === 0 ? "buy" : "sell", "BTC/USDT", 0.013, price, fee));
    }
    expect(ledger.openPositionCount).toBe(0);
    expect(BigInt(Math.round(ledger.fees * 1e8))).toBe(expectedFees);
    // Flat: cash = starting cash + realized P&L, to the last 1e-8.
    expect(Math.round(ledger.cash * 1e8)).toBe(Math.round((10_000 + ledger.realizedPnl) * 1e8));
    expect(ledger.equity()).toBe(ledger.cash);
  });
});

describe("Ledger: positions per strategy instance and attribution", () => {
  it("two strategy instances hold their own BTC positions and are attributed separately", () => {
    const ledger = paper(100_000);
    ledger.applyFill(fill("buy", "BTC/USDT", 1, 20_000, 20), { strategyInstanceId: "ema" });
    ledger.applyFill(fill("buy", "BTC/USDT", 0.5, 20_100, 10.05), { strategyInstanceId: "rsi" });
    expect(ledger.openPositionsOf("BTC/USDT")).toHaveLength(2);
    ledger.applyFill(fill("sell", "BTC/USDT", 1, 21_000, 21), { strategyInstanceId: "ema" });
    expect(ledger.getPosition("BTC/USDT", "ema")).toBeUndefined();
    expect(ledger.getPosition("BTC/USDT", "rsi")).toMatchObject({ quantity: 0.5, avgEntryPrice: 20_100 });
    // An unattributed sell does not touch the strategies' positions: with no position of its own it
    // would be a short, which a spot ledger refuses.
    expect(() => ledger.applyFill(fill("sell", "BTC/USDT", 0.5, 20_000, 10))).toThrow(/shorting is disabled/);
    expect(ledger.getPosition("BTC/USDT", "rsi")!.quantity).toBe(0.5);
  });

  it("attribution counts fills, fees, P&L and wins per symbol and per strategy", () => {
    const ledger = paper(100_000);
    ledger.applyFill(fill("buy", "BTC/USDT", 1, 20_000, 20), { strategyInstanceId: "ema" });
    ledger.applyFill(fill("sell", "BTC/USDT", 1, 21_000, 21), { strategyInstanceId: "ema" }); // +959
    ledger.applyFill(fill("buy", "ETH/USDT", 1, 1_000, 1), { strategyInstanceId: "ema" });
    ledger.applyFill(fill("sell", "ETH/USDT", 1, 990, 1), { strategyInstanceId: "ema" }); // −12
    ledger.applyFill(fill("buy", "ETH/USDT", 2, 1_000, 2)); // manual, open
    const { bySymbol, byStrategy } = ledger.attribution();
    expect(byStrategy.ema).toEqual({ fills: 4, volume: 42_990, fees: 43, grossPnl: 990, realizedPnl: 947, trades: 2, wins: 1, losses: 1, breakeven: 0 });
    expect(byStrategy[UNATTRIBUTED]).toMatchObject({ fills: 1, fees: 2, realizedPnl: -2, trades: 0 });
    expect(bySymbol["BTC/USDT"]).toMatchObject({ trades: 1, wins: 1, realizedPnl: 959 });
    expect(bySymbol["ETH/USDT"]).toMatchObject({ trades: 1, losses: 1, fees: 4, realizedPnl: -14 });
  });
});

describe("Ledger: equity, drawdown, snapshots", () => {
  it("tracks peak equity and the current drawdown from marks", () => {
    const ledger = paper(1_000);
    ledger.applyFill(fill("buy", "BTC/USDT", 1, 100));
    ledger.mark("BTC/USDT", 120);
    expect(ledger.peakEquity).toBe(1_020);
    ledger.mark("BTC/USDT", 90);
    expect(ledger.equity()).toBe(990);
    const dd = ledger.drawdown();
    expect(dd.amount).toBe(30);
    expect(dd.pct).toBeCloseTo((30 / 1_020) * 100, 10);
    expect(ledger.snapshot(T0 + MIN)).toEqual({ timestamp: T0 + MIN, equity: 990, cash: 900, realizedPnl: 0, unrealizedPnl: -10 });
    expect(ledger.summary()).toMatchObject({ equity: 990, peakEquity: 1_020, drawdown: 30, openPositions: 1 });
  });

  it("positions() reports mark, market value and unrealized P&L", () => {
    const ledger = paper(1_000, true);
    ledger.applyFill(fill("buy", "BTC/USDT", 2, 100));
    ledger.applyFill(fill("sell", "ETH/USDT", 1, 50));
    ledger.mark("BTC/USDT", 110);
    ledger.mark("ETH/USDT", 40);
    const views = ledger.positions();
    expect(views.find((v) => v.symbol === "BTC/USDT")).toMatchObject({ markPrice: 110, marketValue: 220, unrealizedPnl: 20, unrealizedPct: 10 });
    expect(views.find((v) => v.symbol === "ETH/USDT")).toMatchObject({ markPrice: 40, marketValue: -40, unrealizedPnl: 10, unrealizedPct: 20 });
    expect(ledger.equity()).toBe(1_030); // 1,000 − 200 + 50 + 220 − 40
  });

  it("mark rejects a NaN, infinite or non-positive price", () => {
    const ledger = paper(1_000);
    expect(() => ledger.mark("BTC/USDT", Number.NaN)).toThrow(/price must be a finite number > 0/);
    expect(() => ledger.mark("BTC/USDT", Number.POSITIVE_INFINITY)).toThrow(LedgerError);
    expect(() => ledger.mark("BTC/USDT", -1)).toThrow(LedgerError);
    expect(() => ledger.markCandle({ symbol: "BTC/USDT", high: 90, low: 100, close: 95 })).toThrow(LedgerError);
  });
});

describe("Ledger: protective levels", () => {
  it("derives stop and target from the exit rules at the first fill; the order's levels override them", () => {
    const ledger = new Ledger({ mode: "ghost", startingCash: 10_000, exitRules: { stopLossPct: 2, takeProfitPct: 4 } });
    ledger.applyFill(fill("buy", "BTC/USDT", 0.1, 20_000));
    expect(ledger.getPosition("BTC/USDT")).toMatchObject({ stopLoss: 19_600, takeProfit: 20_800, extremePrice: 20_000 });
    ledger.applyFill(fill("buy", "ETH/USDT", 1, 1_000), { stopLoss: 950, takeProfit: 1_100 });
    expect(ledger.getPosition("ETH/USDT")).toMatchObject({ stopLoss: 950, takeProfit: 1_100 });
  });

  it("trailing stop activates after +3% and exits on a pullback", () => {
    const ledger = paper(10_000);
    ledger.applyFill(fill("buy", "BTC/USDT", 1, 100), {
      exitRules: { stopLossPct: 5, takeProfitPct: null, trailingActivationPct: 3, trailingDistancePct: 1 },
    });
    const pos = ledger.getPosition("BTC/USDT")!;
    const candle = (open: number, high: number, low: number, close: number) => ({ symbol: "BTC/USDT", open, high, low, close });

    ledger.markCandle(candle(100, 102.9, 99.5, 102.5)); // +2.9%: not active yet
    expect(pos.trailingStop).toBeUndefined();
    expect(pos.extremePrice).toBe(102.9);

    const c2 = candle(102.5, 104, 102.4, 103.8); // high +4% activates: trail 104 × 0.99 = 102.96
    expect(checkExits(pos, c2, T0 + 2 * MIN)).toBeNull();
    ledger.markCandle(c2);
    expect(pos.trailingStop).toBeCloseTo(102.96, 10);

    ledger.markCandle(candle(103.8, 103.9, 103.2, 103.5)); // no new high: the trail stays
    expect(pos.trailingStop).toBeCloseTo(102.96, 10);

    const pullback = candle(103.5, 103.6, 102.5, 102.7);
    const trigger = checkExits(pos, pullback, T0 + 4 * MIN);
    expect(trigger).toMatchObject({ reason: "trailing_stop", at: T0 + 4 * MIN });
    expect(trigger!.price).toBeCloseTo(102.96, 10);
    const out = ledger.applyFill(fill("sell", "BTC/USDT", 1, trigger!.price, 0, T0 + 4 * MIN), {
      exitReason: trigger!.reason,
      reason: trigger!.text,
    });
    expect(out.closedTrade).toMatchObject({ exitReason: "trailing_stop", exitReasonText: trigger!.text });
    expect(out.closedTrade!.pnl).toBeCloseTo(2.96, 8);
  });
});

describe("Ledger: persistence", () => {
  function tradedLedger(): Ledger {
    const ledger = paper(10_000, true);
    ledger.applyFill(fill("buy", "BTC/USDT", 0.1, 20_000, 2), { strategyInstanceId: "ema", reason: "cross up", sessionId: "s1" });
    ledger.applyFill(fill("buy", "BTC/USDT", 0.1, 21_000, 2.1), { strategyInstanceId: "ema" });
    ledger.applyFill(fill("sell", "BTC/USDT", 0.05, 22_000, 1.1), { strategyInstanceId: "ema" });
    ledger.applyFill(fill("sell", "ETH/USDT", 1, 1_500, 1.5));
    ledger.mark("BTC/USDT", 22_500);
    ledger.mark("ETH/USDT", 1_450);
    return ledger;
  }

  it("toJSON → JSON text → fromJSON rebuilds an identical ledger that books the same future", () => {
    const original = tradedLedger();
    const restored = Ledger.fromJSON(JSON.parse(JSON.stringify(original)), { ids: sequentialLedgerIds("test-") });
    expect(restored.toJSON()).toEqual(original.toJSON());
    expect(restored.equity()).toBe(original.equity());
    const a = original.applyFill(fill("sell", "BTC/USDT", 0.15, 23_000, 3.45), { strategyInstanceId: "ema" });
    const b = restored.applyFill(fill("sell", "BTC/USDT", 0.15, 23_000, 3.45), { strategyInstanceId: "ema" });
    expect(b.closedTrade).toEqual({ ...a.closedTrade, id: b.closedTrade!.id });
    expect(restored.cash).toBe(original.cash);
  });

  it("fromJSON rejects a malformed state with the field named", () => {
    const state = JSON.parse(JSON.stringify(tradedLedger()));
    state.cash = "lots";
    expect(() => Ledger.fromJSON(state)).toThrow(/ledger state rejected: cash/);
    const state2 = JSON.parse(JSON.stringify(tradedLedger()));
    state2.positions[0].quantity = -1;
    expect(() => Ledger.fromJSON(state2)).toThrow(/positions\.0\.quantity/);
  });

  it("fillMetaFromOrder carries the order's attribution, reason and levels", () => {
    expect(
      fillMetaFromOrder({ strategyInstanceId: "ema", reason: "cross up", stopLoss: 95, takeProfit: 110, exitReason: undefined, sessionId: "s1" }),
    ).toEqual({ strategyInstanceId: "ema", reason: "cross up", stopLoss: 95, takeProfit: 110, sessionId: "s1" });
  });
});

function baseFeeBuy(symbol: string, quantity: number, price: number, baseFee: number, fee = baseFee * price, timestamp = T0): Fill {
  return { ...fill("buy", symbol, quantity, price, fee, timestamp), baseFee };
}

/** equity = start + realized + unrealized, and cash + open cost + dust cost = start + realized to the satoshi. */
function expectInvariants(ledger: Ledger): void {
  expect(Math.abs(ledger.equity() - (ledger.startingCash + ledger.realizedPnl + ledger.unrealizedPnl()))).toBeLessThan(1e-8);
  if (ledger.openPositionCount === 0) {
    const dustCost = ledger.dust().reduce((sum, d) => sum + d.costBasis, 0);
    expect(Number((ledger.cash + dustCost).toFixed(8))).toBe(Number((ledger.startingCash + ledger.realizedPnl).toFixed(8)));
  }
}

describe("Ledger: commission withheld in base (Fill.baseFee)", () => {
  it("a buy of 0.001 BTC with 0.000001 BTC withheld holds 0.000999, pays 50 USDT, counts the 0.05 fee; selling 0.000999 leaves it flat", () => {
    const ledger = paper(100_000);
    const buy = ledger.applyFill(baseFeeBuy("BTC/USDT", 0.001, 50_000, 0.000001, 0.05), { strategyInstanceId: "ema", reason: "entry" });
    expect(buy.quantity).toBe(0.000999);
    expect(buy.cashDelta).toBe(-50);
    expect(buy.fee).toBe(0.05);
    expect(buy.position).toMatchObject({ quantity: 0.000999, costBasis: 49.95, avgEntryPrice: 50_000, fees: 0.05, realizedPnl: -0.05 });
    expect(ledger.cash).toBe(99_950);
    expect(ledger.fees).toBe(0.05);
    expect(ledger.realizedPnl).toBe(-0.05);
    expect(ledger.equity()).toBeCloseTo(99_999.95, 8);
    expect(ledger.balances()).toEqual([
      { asset: "USDT", free: 99_950, locked: 0 },
      { asset: "BTC", free: 0.000999, locked: 0 },
    ]);
    expectInvariants(ledger);
    expect(ledger.attribution().bySymbol["BTC/USDT"]).toMatchObject({ volume: 50, fees: 0.05 });

    const sell = ledger.applyFill(fill("sell", "BTC/USDT", 0.000999, 51_000, 0.050949), { strategyInstanceId: "ema", exitReason: "take_profit" });
    expect(sell.position).toBeNull();
    expect(sell.closedTrade).toMatchObject({ quantity: 0.000999, entryPrice: 50_000, fees: 0.100949, pnl: 0.898051, exitReason: "take_profit" });
    expect(sell.closedTrade!.exitPrice).toBeCloseTo(51_000, 8);
    expect(ledger.cash).toBe(100_000.898051); // 99,950 + 50.949 − 0.050949
    expect(ledger.realizedPnl).toBe(0.898051); // 0.999 gross − 0.05 − 0.050949
    expect(ledger.openPositionCount).toBe(0);
    expectInvariants(ledger);
  });

  it("partial buys with base fees add up exactly: 0.3 − 0.0003 + 0.2 − 0.0002 = 0.4995", () => {
    const ledger = paper(10_000);
    ledger.applyFill(baseFeeBuy("ETH/USDT", 0.3, 2_000, 0.0003));
    const out = ledger.applyFill(baseFeeBuy("ETH/USDT", 0.2, 2_010, 0.0002));
    expect(out.position!.quantity).toBe(0.4995);
    expect(out.position!.costBasis).toBe(1_000.998); // 599.4 + 401.598
    expect(ledger.cash).toBe(10_000 - 600 - 402);
    const close = ledger.applyFill(fill("sell", "ETH/USDT", 0.4995, 2_020, 1.00899));
    expect(close.closedTrade!.quantity).toBe(0.4995);
    expectInvariants(ledger);
  });

  it("a buy with a base fee covers a short with its net quantity, and the rest opens a long", () => {
    const ledger = paper(1_000, true);
    ledger.applyFill(fill("sell", "ETH/USDT", 1, 100));
    const cover = ledger.applyFill(baseFeeBuy("ETH/USDT", 1.001, 90, 0.001, 0.09));
    expect(cover.position).toBeNull();
    expect(cover.closedTrade).toMatchObject({ side: "short", quantity: 1, exitPrice: 90, pnl: 9.91, fees: 0.09 });
    expect(ledger.cash).toBe(1_009.91); // 1,000 + 100 − 90.09
    expect(ledger.realizedPnl).toBe(9.91);
    expectInvariants(ledger);

    ledger.applyFill(fill("sell", "ETH/USDT", 1, 100));
    const flip = ledger.applyFill(baseFeeBuy("ETH/USDT", 1.5, 90, 0.0015, 0.135));
    expect(flip.quantity).toBe(1.4985);
    expect(flip.closedTrade).toMatchObject({ side: "short", quantity: 1 });
    expect(flip.position).toMatchObject({ side: "long", quantity: 0.4985, avgEntryPrice: 90 });
    expect(flip.cashDelta).toBe(-135);
    expectInvariants(ledger);
  });

  it("a sell whose fee was taken in base gives quantity + baseFee and receives quantity × price", () => {
    const ledger = paper(1_000);
    ledger.applyFill(fill("buy", "SOL/USDT", 1, 100));
    const sell = ledger.applyFill({ ...fill("sell", "SOL/USDT", 0.999, 110, 0.11), baseFee: 0.001 });
    expect(sell.quantity).toBe(1);
    expect(sell.cashDelta).toBe(109.89);
    expect(sell.position).toBeNull();
    expect(sell.closedTrade).toMatchObject({ quantity: 1, exitPrice: 110, pnl: 9.89, fees: 0.11 });
    expect(ledger.cash).toBe(1_009.89);
    expect(ledger.realizedPnl).toBe(9.89);
    expectInvariants(ledger);
    // More than the position (with the fee coins) would open a short: refused on spot.
    ledger.applyFill(fill("buy", "SOL/USDT", 1, 100));
    expect(() => ledger.applyFill({ ...fill("sell", "SOL/USDT", 1, 100, 0.1), baseFee: 0.001 })).toThrow(expect.objectContaining({ code: "LEDGER_SHORT_NOT_ALLOWED" }));
  });

  it("baseFee 0 is an ordinary quote fee; an invalid baseFee is rejected with LEDGER_INVALID_FILL and books nothing", () => {
    const ledger = paper(1_000);
    expect(ledger.applyFill({ ...fill("buy", "SOL/USDT", 1, 100, 0.1), baseFee: 0 }).cashDelta).toBe(-100.1);
    ledger.applyFill(fill("sell", "SOL/USDT", 1, 100));
    const before = ledger.toJSON();
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -0.001, 1, 2]) {
      expect(() => ledger.applyFill(baseFeeBuy("SOL/USDT", 1, 100, bad, 0.1))).toThrow(expect.objectContaining({ code: "LEDGER_INVALID_FILL" }));
    }
    expect(() => ledger.applyFill(baseFeeBuy("SOL/USDT", 1, 100, 0.001, 150))).toThrow(/exceeds the traded notional/);
    expect(ledger.toJSON()).toEqual(before);
  });
});

describe("Ledger: dust", () => {
  const BTC = { stepSize: 0.00001, minQty: 0.00001, minNotional: 5 };

  function dustyLedger() {
    const ledger = paper(100_000);
    ledger.applyFill(baseFeeBuy("BTC/USDT", 0.001, 50_000, 0.000001, 0.05), { strategyInstanceId: "ema", reason: "entry" });
    // A sell of the whole position snapped to the lot step leaves 0.000009 BTC that can never be sold.
    const sell = ledger.applyFill(fill("sell", "BTC/USDT", 0.00099, 51_000, 0.050490, T0 + MIN), {
      strategyInstanceId: "ema",
      exitReason: "stop_loss",
      reason: "stop hit",
    });
    return { ledger, sell };
  }

  it("dustRemainder: all of a quantity below step, min quantity or min notional; else the part below the step", () => {
    expect(dustRemainder(0.000009, 51_000, BTC)).toBe(0.000009);
    expect(dustRemainder(0.00099, 51_000, BTC)).toBe(0); // 50.49 USDT, on the step
    expect(dustRemainder(0.000999, 51_000, BTC)).toBe(0.000009);
    expect(dustRemainder(0.00009, 51_000, BTC)).toBe(0.00009); // 4.59 USDT < 5 min notional
    expect(dustRemainder(0.3, 1, { stepSize: 0.1, minQty: 0.1, minNotional: 0 })).toBe(0);
    expect(dustRemainder(0.05, 1, { stepSize: 0.01, minQty: 0.1, minNotional: 0 })).toBe(0.05); // below min quantity
  });

  it("moveToDust after exits books the trade of the sold part and keeps the remainder in equity as dust", () => {
    const { ledger, sell } = dustyLedger();
    const pos = sell.position!;
    expect(pos.quantity).toBe(0.000009);
    expect(dustRemainder(pos.quantity, 51_000, BTC)).toBe(pos.quantity);
    const equityBefore = ledger.equity();
    const realizedBefore = ledger.realizedPnl;
    const cashBefore = ledger.cash;

    const moved = ledger.moveToDust(pos.id, T0 + 2 * MIN, "0.000009 BTC below the lot step");
    expect(moved.closedTrade).toMatchObject({
      positionId: pos.id,
      quantity: 0.00099,
      entryPrice: 50_000,
      pnl: pos.realizedPnl,
      fees: 0.10049,
      exitReason: "stop_loss",
      exitReasonText: "stop hit; 0.000009 BTC below the lot step",
      closedAt: T0 + 2 * MIN,
      strategyInstanceId: "ema",
    });
    // Sold part: 50.49 − 49.95 × 0.00099 / 0.000999 = 50.49 − 49.5 = 0.99 gross; − 0.05 − 0.05049 fees.
    expect(moved.closedTrade!.pnl).toBe(0.88951);
    expect(moved.closedTrade!.exitPrice).toBeCloseTo(51_000, 8);
    expect(moved.closedTrade!.pnlPct).toBe(money8((0.88951 / 49.5) * 100));
    expect(moved.dust).toEqual({ asset: "BTC", symbol: "BTC/USDT", quantity: 0.000009, costBasis: 0.45 });
    expect(ledger.dust()).toEqual([moved.dust]);
    expect(ledger.openPositionCount).toBe(0);
    expect(ledger.getPosition("BTC/USDT", "ema")).toBeUndefined();
    expect(ledger.cash).toBe(cashBefore);
    expect(ledger.realizedPnl).toBe(realizedBefore);
    expect(ledger.equity()).toBe(equityBefore);
    expect(ledger.balances()).toEqual([
      { asset: "USDT", free: cashBefore, locked: 0 },
      { asset: "BTC", free: 0.000009, locked: 0 },
    ]);
    expect(ledger.attribution().byStrategy.ema).toMatchObject({ trades: 1, wins: 1 });
    expectInvariants(ledger);

    // Dust is marked: 0.000009 × (60,000 − 50,000) = +0.09 unrealized.
    ledger.mark("BTC/USDT", 60_000);
    expect(ledger.unrealizedPnl()).toBeCloseTo(0.09, 8);
    expect(ledger.equity()).toBeCloseTo(cashBefore + 0.54, 8);
    expect(ledger.snapshot(T0).unrealizedPnl).toBeCloseTo(0.09, 8);
    expect(ledger.summary()).toMatchObject({ openPositions: 0 });
    expectInvariants(ledger);
  });

  it("moveToDust without exits books no trade; the fees stay in realized P&L", () => {
    const ledger = paper(1_000);
    const buy = ledger.applyFill(baseFeeBuy("DOGE/USDT", 1.5, 0.1, 0.0015, 0.00015));
    const moved = ledger.moveToDust(buy.position!.id, T0 + MIN);
    expect(moved.closedTrade).toBeNull();
    expect(moved.dust).toEqual({ asset: "DOGE", symbol: "DOGE/USDT", quantity: 1.4985, costBasis: 0.14985 });
    expect(ledger.realizedPnl).toBe(-0.00015);
    expect(ledger.attribution().bySymbol["DOGE/USDT"].trades).toBe(0);
    expectInvariants(ledger);
  });

  it("a later buy of the same symbol opens a fresh position; the dust stays dust and a second move adds to it", () => {
    const { ledger, sell } = dustyLedger();
    ledger.moveToDust(sell.position!.id, T0 + 2 * MIN);
    const again = ledger.applyFill(fill("buy", "BTC/USDT", 0.001, 52_000, 0.052), { strategyInstanceId: "ema" });
    expect(again.opened).toBe(true);
    expect(again.position).toMatchObject({ quantity: 0.001, costBasis: 52, entryQuantity: 0.001 });
    expect(again.position!.id).not.toBe(sell.position!.id);
    expect(ledger.dust()).toEqual([{ asset: "BTC", symbol: "BTC/USDT", quantity: 0.000009, costBasis: 0.45 }]);
    expect(ledger.balances().find((b) => b.asset === "BTC")).toEqual({ asset: "BTC", free: 0.001009, locked: 0 });
    expectInvariants(ledger);
    const part = ledger.applyFill(fill("sell", "BTC/USDT", 0.00099, 52_000, 0.051480), { strategyInstanceId: "ema" });
    ledger.moveToDust(part.position!.id, T0 + 3 * MIN);
    expect(ledger.dust()).toEqual([{ asset: "BTC", symbol: "BTC/USDT", quantity: 0.000019, costBasis: 0.97 }]);
    expectInvariants(ledger);
  });

  it("moveToDust refuses an unknown position, a short and a non-finite time", () => {
    const ledger = paper(1_000, true);
    const short = ledger.applyFill(fill("sell", "ETH/USDT", 1, 100));
    const long = ledger.applyFill(fill("buy", "SOL/USDT", 1, 10));
    expect(() => ledger.moveToDust("nope", T0)).toThrow(expect.objectContaining({ code: "LEDGER_INVALID_ARGUMENT" }));
    expect(() => ledger.moveToDust(short.position!.id, T0)).toThrow(/short/);
    expect(() => ledger.moveToDust(long.position!.id, Number.NaN)).toThrow(/finite/);
    expect(ledger.openPositionCount).toBe(2);
  });

  it("toJSON/fromJSON carry dust (a state without dust reads as none)", () => {
    const { ledger, sell } = dustyLedger();
    ledger.moveToDust(sell.position!.id, T0 + 2 * MIN);
    ledger.applyFill(fill("buy", "ETH/USDT", 0.5, 2_000, 1));
    ledger.mark("BTC/USDT", 55_000);
    const state = JSON.parse(JSON.stringify(ledger));
    expect(state.dust).toEqual([{ asset: "BTC", symbol: "BTC/USDT", quantity: 0.000009, costBasis: 0.45 }]);
    const back = Ledger.fromJSON(state, { ids: sequentialLedgerIds("test-") });
    expect(back.toJSON()).toEqual(ledger.toJSON());
    expect(back.equity()).toBe(ledger.equity());
    expect(back.unrealizedPnl()).toBe(ledger.unrealizedPnl());

    const old = JSON.parse(JSON.stringify(paper(500)));
    delete old.dust;
    expect(Ledger.fromJSON(old).dust()).toEqual([]);
    const twice = { ...state, dust: [...state.dust, ...state.dust] };
    expect(() => Ledger.fromJSON(twice)).toThrow(/two dust holdings/);
  });
});

function money8(x: number): number {
  return Number(x.toFixed(8));
}

describe("Ledger: hot path", () => {
  it("marks a million candles quickly with open positions", () => {
    const ledger = paper(100_000);
    ledger.applyFill(fill("buy", "BTC/USDT", 1, 20_000), { exitRules: NO_AUTO_EXITS });
    ledger.applyFill(fill("buy", "ETH/USDT", 10, 1_500), { exitRules: NO_AUTO_EXITS });
    const candle = { symbol: "BTC/USDT", high: 0, low: 0, close: 0 };
    const started = performance.now();
    for (let i = 0; i < 1_000_000; i++) {
      const price = 20_000 + (i % 1000);
      candle.high = price + 5;
      candle.low = price - 5;
      candle.close = price;
      ledger.markCandle(candle);
      ledger.mark("ETH/USDT", 1_500 + (i % 7));
    }
    const elapsed = performance.now() - started;
    expect(ledger.equity()).toBe(ledger.cash + 20_999 + 10 * (1_500 + (999_999 % 7)));
    // Generous bound for a shared 2-core machine; a local run takes well under a second.
    expect(elapsed).toBeLessThan(5_000);
  });
});
