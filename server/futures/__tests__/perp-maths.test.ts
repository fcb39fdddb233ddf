import { describe, expect, it } from "vitest";
import {
  DEFAULT_LEVERAGE_UNLOCK,
  EXAMPLE_BTC_BRACKETS,
  MIN_PRICE,
  bracketFor,
  bracketsFromTiers,
  fundingCashFlow,
  fundingFee,
  fundingTimesBetween,
  initialMargin,
  isolatedWallet,
  liquidationGuard,
  leverageUnlockState,
  liquidationPrice,
  liquidationRiskPct,
  maintenanceMargin,
  marginRatioPct,
  marketTypeOf,
  maxPositionNotional,
  perpPositionMetrics,
  perpSymbol,
  priceAtLiquidationRisk,
  unrealizedPnl,
  validateBrackets,
  type MarginContext,
  type PerpPosition,
} from "..";

const brackets = EXAMPLE_BTC_BRACKETS;

describe("market type per instrument", () => {
  it("ccxt's linear swap symbol is a perp, a plain pair is spot, a stated type wins", () => {
    expect(marketTypeOf("BTC/USDT:USDT")).toBe("perp");
    expect(marketTypeOf("BTC/USDT")).toBe("spot");
    expect(marketTypeOf({ symbol: "BTC/USDT", marketType: "perp" })).toBe("perp");
    expect(perpSymbol("ETH/USDT")).toBe("ETH/USDT:USDT");
    expect(perpSymbol("ETH/USDT:USDT")).toBe("ETH/USDT:USDT");
  });
});

describe("maintenance margin brackets", () => {
  it("the derived maintenance amounts are Binance's published cum (50, 2,550, 122,550 …)", () => {
    expect(brackets.slice(0, 4).map((b) => b.maintAmount)).toEqual([0, 50, 2_550, 122_550]);
    expect(() => validateBrackets(brackets)).not.toThrow();
  });

  it("a 60,000 USDT position is in the second tier: 60,000 × 0.5 % − 50 = 250", () => {
    expect(bracketFor(brackets, 60_000).bracket).toBe(2);
    expect(maintenanceMargin(60_000, brackets)).toBe(250);
    expect(maintenanceMargin(40_000, brackets)).toBe(160);
  });

  it("a table with a gap or without an open-ended last tier is refused", () => {
    expect(() => bracketsFromTiers([{ notionalCap: 10_000, maintMarginRate: 0.01, maxLeverage: 20 }])).toThrow(/open-ended/);
    expect(() => validateBrackets([{ ...brackets[0] }, { ...brackets[2] }])).toThrow(/does not continue/);
  });
});

describe("a perp position's figures", () => {
  const long: PerpPosition = { side: "long", quantity: 0.1, entryPrice: 50_000 };
  const short: PerpPosition = { side: "short", quantity: 0.1, entryPrice: 50_000 };
  const isolated = (p: PerpPosition, leverage: number): MarginContext => ({ marginMode: "isolated", walletBalance: isolatedWallet(p, leverage), brackets });

  it("a 3× isolated long of 0.1 BTC at 50,000 posts 1,666.67 and is liquidated where Binance's formula says", () => {
    expect(initialMargin(0.1, 50_000, 3)).toBe(1_666.66666667);
    const lp = liquidationPrice(long, isolated(long, 3))!;
    // (WB − Q × EP) / (Q × 0.004 − Q), first bracket (Q × LP is far below 50,000)
    expect(lp).toBeCloseTo((1_666.66666667 - 5_000) / (0.1 * 0.004 - 0.1), 7);
    // below the entry, above the bankruptcy price (where the whole margin is gone)
    expect(lp).toBeLessThan(50_000);
    expect(lp).toBeGreaterThan(50_000 * (1 - 1 / 3));
  });

  it("a 3× isolated short is liquidated above the entry, mirrored", () => {
    const lp = liquidationPrice(short, isolated(short, 3))!;
    expect(lp).toBeCloseTo((1_666.66666667 + 5_000) / (0.1 * 0.004 + 0.1), 7);
    expect(lp).toBeGreaterThan(50_000);
    expect(lp).toBeLessThan(50_000 * (1 + 1 / 3));
  });

  it("a 1× long cannot be liquidated (its whole notional backs it), a 1× short can", () => {
    expect(liquidationPrice(long, isolated(long, 1))).toBeNull();
    expect(liquidationPrice(short, isolated(short, 1))).toBeGreaterThan(2 * 50_000 * 0.99);
  });

  it("in cross margin another position's loss pulls the liquidation price towards the entry", () => {
    const alone: MarginContext = { marginMode: "cross", walletBalance: 2_000, brackets };
    const withLoser: MarginContext = { ...alone, otherUnrealizedPnl: -500, otherMaintenanceMargin: 20 };
    expect(liquidationPrice(long, withLoser)!).toBeGreaterThan(liquidationPrice(long, alone)!);
    expect(liquidationPrice(short, withLoser)!).toBeLessThan(liquidationPrice(short, alone)!);
    // isolated ignores the other positions
    expect(liquidationPrice(long, { ...withLoser, marginMode: "isolated" })).toBe(liquidationPrice(long, { ...alone, marginMode: "isolated" }));
  });

  it("unrealised P&L on mark: a long gains what a short loses", () => {
    expect(unrealizedPnl(long, 51_000)).toBe(100);
    expect(unrealizedPnl(short, 51_000)).toBe(-100);
  });

  it("the margin ratio reaches 100 % at the liquidation price and the risk measure reads 100 there", () => {
    const ctx = isolated(long, 5);
    const lp = liquidationPrice(long, ctx)!;
    expect(marginRatioPct(long, ctx, lp)).toBeCloseTo(100, 4);
    expect(marginRatioPct(long, ctx, 50_000)).toBeLessThan(100);
    const m = perpPositionMetrics(long, ctx, lp, 5);
    expect(m.liquidationRiskPct).toBeCloseTo(100, 6);
    expect(m.liquidationPrice).toBe(lp);
  });

  it("liquidation risk is the share of the way from entry to liquidation the mark has covered", () => {
    const lp = 40_000;
    expect(liquidationRiskPct("long", 50_000, 50_000, lp)).toBe(0);
    expect(liquidationRiskPct("long", 50_000, 52_000, lp)).toBe(0); // in profit
    expect(liquidationRiskPct("long", 50_000, 42_000, lp)).toBe(80);
    expect(liquidationRiskPct("long", 50_000, priceAtLiquidationRisk(50_000, lp, 90), lp)).toBe(90);
    expect(liquidationRiskPct("long", 50_000, 42_000, null)).toBe(0);
    // a short: the liquidation price is above
    expect(liquidationRiskPct("short", 50_000, 58_000, 60_000)).toBe(80);
  });

  it("a cross account whose other losses put the liquidation price past the entry reads 100 % risk or more", () => {
    expect(liquidationRiskPct("long", 50_000, 52_000, 51_000)).toBe(100);
    expect(liquidationRiskPct("long", 50_000, 50_000, 51_000)).toBeGreaterThan(100);
    const short: PerpPosition = { side: "short", quantity: 0.1, entryPrice: 50_000 };
    const drowned: MarginContext = { marginMode: "cross", walletBalance: 1_000, otherUnrealizedPnl: -6_000, brackets };
    expect(liquidationPrice(short, drowned)).toBe(MIN_PRICE);
    expect(perpPositionMetrics(short, drowned, 50_000, 3).liquidationRiskPct).toBeGreaterThanOrEqual(100);
  });
});

describe("liquidation guard (warn at 80 %, close at 90 %)", () => {
  it("a 3× short the market moves against is warned at 80 % of the way to liquidation and closed at 90 %", () => {
    const short: PerpPosition = { side: "short", quantity: 0.1, entryPrice: 50_000 };
    const ctx: MarginContext = { marginMode: "isolated", walletBalance: isolatedWallet(short, 3), brackets };
    const liq = liquidationPrice(short, ctx)!;
    const limits = { liquidationWarnPct: 80, liquidationClosePct: 90 };
    const at = (mark: number) => liquidationGuard(perpPositionMetrics(short, ctx, mark, 3).liquidationRiskPct, limits);
    expect(at(52_000)).toBe("none");
    expect(at(priceAtLiquidationRisk(50_000, liq, 79.99))).toBe("none");
    expect(at(priceAtLiquidationRisk(50_000, liq, 80))).toBe("warn");
    expect(at(priceAtLiquidationRisk(50_000, liq, 90))).toBe("close");
    // the close comes before the venue would liquidate: margin ratio still below 100 %
    expect(marginRatioPct(short, ctx, priceAtLiquidationRisk(50_000, liq, 90))).toBeLessThan(100);
    expect(liquidationGuard(Number.NaN, limits)).toBe("close");
  });
});

describe("funding (Binance: longs pay when the rate is positive)", () => {
  it("0.5 BTC at mark 60,000 and +0.01 %: the long pays 3, the short receives 3; a negative rate reverses it", () => {
    expect(fundingFee("long", 0.5, 60_000, 0.0001)).toBe(3);
    expect(fundingCashFlow("long", 0.5, 60_000, 0.0001)).toBe(-3);
    expect(fundingCashFlow("short", 0.5, 60_000, 0.0001)).toBe(3);
    expect(fundingCashFlow("long", 0.5, 60_000, -0.0001)).toBe(3);
  });

  it("funding happens at 00:00, 08:00 and 16:00 UTC", () => {
    const day = Date.UTC(2024, 0, 1);
    expect(fundingTimesBetween(day - 1, day + 24 * 3_600_000)).toEqual([0, 8, 16, 24].map((h) => day + h * 3_600_000));
    expect(fundingTimesBetween(day, day + 1)).toEqual([]);
  });
});

describe("capital rules of the master plan", () => {
  it("max position is principal + 70 % of profit, and equity while in a loss", () => {
    expect(maxPositionNotional({ principal: 1_000, equity: 1_500 }, 70)).toBe(1_350);
    expect(maxPositionNotional({ principal: 1_000, equity: 800 }, 70)).toBe(800);
  });

  it("futures stay locked below +100 % profit, then 2× on half the profit, 3× from +200 %, 4× from +300 % and never more", () => {
    const at = (equity: number, futuresPnl = 0) => leverageUnlockState(DEFAULT_LEVERAGE_UNLOCK, { principal: 1_000, equity, futuresPnl });
    expect(at(1_999).leverage).toBe(0);
    expect(at(2_000)).toMatchObject({ leverage: 2, marginBudget: 500 });
    expect(at(3_000).leverage).toBe(3);
    expect(at(4_000).leverage).toBe(4);
    expect(at(9_000).leverage).toBe(4);
  });

  it("futures losses of 30 % of the profit cut the leverage one step (2× back to spot only)", () => {
    const at = (equity: number, futuresPnl: number) => leverageUnlockState(DEFAULT_LEVERAGE_UNLOCK, { principal: 1_000, equity, futuresPnl });
    expect(at(4_000, -899)).toMatchObject({ leverage: 4, cut: false });
    expect(at(4_000, -900)).toMatchObject({ leverage: 3, cut: true, unlockedByProfit: 4 });
    expect(at(2_500, -450).leverage).toBe(0);
    expect(at(2_500, -450).reason).toMatch(/spot only/);
  });
});
