import { describe, expect, it } from "vitest";
import { DEFAULT_RISK_LIMITS, type RiskLimits } from "../../config/risk-limits";
import { EXAMPLE_BTC_BRACKETS, initialMargin, isolatedWallet, liquidationPrice, priceAtLiquidationRisk, type MarginMode } from "../../futures";
import type { Instrument, OrderRequest } from "../../model/types";
import { applyTightening } from "../limits";
import type { RiskContext, RiskPosition } from "../types";
import { BTC, context, entry, startEngine } from "./fixtures";

const PERP = "BTC/USDT:USDT";
const BTC_PERP: Instrument = { ...BTC, symbol: PERP, stepSize: 0.001, minQty: 0.001 };
const FUTURES_CHECKS = ["perp-leverage", "leverage-unlock", "margin-utilisation", "principal-position-cap", "stop-liquidation-distance"];

/** Limits that keep the spot-era rules out of the way, so each scenario shows the futures rule it is about. */
const ROOMY: Partial<RiskLimits> = { maxPositionPctEquity: 100, maxPortfolioHeatPct: 100, maxTradeLossPct: 100, stablecoinReservePct: 0, minAccountBalance: 0 };

interface PerpAccount {
  leverage?: number;
  marginMode?: MarginMode;
  equity?: number;
  principal?: number;
  futuresPnl?: number;
  positions?: RiskPosition[];
}

/** A futures account: BTC perp at mark 50,000, wallet = equity, principal 10,000 unless told. */
function perpContext(a: PerpAccount = {}): RiskContext {
  const equity = a.equity ?? 10_000;
  const base = context({ equity, prices: { [PERP]: 50_000 }, positions: a.positions ?? [], instruments: new Map([[BTC.symbol, BTC], [PERP, BTC_PERP]]) });
  return {
    ...base,
    allowShort: true,
    futures: {
      contracts: new Map([[PERP, { symbol: PERP, leverage: a.leverage ?? 1, marginMode: a.marginMode ?? "cross", brackets: EXAMPLE_BTC_BRACKETS }]]),
      walletBalance: equity,
      principal: a.principal ?? 10_000,
      futuresPnl: a.futuresPnl ?? 0,
    },
  };
}

function perpEntry(o: Partial<OrderRequest> = {}): OrderRequest {
  return entry({ symbol: PERP, quantity: 0.01, stopLoss: 49_500, takeProfit: 51_000, ...o });
}

async function decide(req: OrderRequest, ctx: RiskContext, limits: Partial<RiskLimits> = {}) {
  const { engine } = await startEngine({ ...ROOMY, ...limits });
  const decision = engine.evaluate(req, ctx);
  const codeOf = (check: string) => decision.checks.find((c) => c.check === check)?.code;
  return { decision, codeOf };
}

describe("futures rules leave spot alone", () => {
  it("a spot BTC/USDT entry passes as before: every futures rule says NOT_PERP", async () => {
    const { decision, codeOf } = await decide(entry(), perpContext(), {});
    expect(decision.allowed).toBe(true);
    for (const id of FUTURES_CHECKS) expect(codeOf(id)).toBe("NOT_PERP");
  });

  it("a spot entry is not locked by the leverage unlock policy either", async () => {
    const { decision } = await decide(entry(), perpContext({ equity: 10_000 }), { leverageUnlockEnabled: true });
    expect(decision.allowed).toBe(true);
  });

  it("a perp order from an engine that sent no futures account is refused (PERP_CONTEXT_MISSING)", async () => {
    const { futures: _dropped, ...spotOnly } = perpContext();
    const { decision } = await decide(perpEntry(), spotOnly);
    expect(decision.code).toBe("PERP_CONTEXT_MISSING");
  });
});

describe("leverage cap (1× by default)", () => {
  it("a BTC perp set to 3× is refused under the default 1× cap", async () => {
    const { decision } = await decide(perpEntry(), perpContext({ leverage: 3 }));
    expect(decision.code).toBe("PERP_LEVERAGE_OVER_CAP");
    expect(decision.data).toMatchObject({ leverage: 3, maxLeverage: 1 });
  });

  it("the same 3× order passes once the cap is 3×, long or short", async () => {
    for (const side of ["buy", "sell"] as const) {
      const stops = side === "buy" ? { stopLoss: 49_500, takeProfit: 51_000 } : { stopLoss: 50_500, takeProfit: 49_000 };
      const { decision, codeOf } = await decide(perpEntry({ side, ...stops }), perpContext({ leverage: 3 }), { maxLeverage: 3 });
      expect(decision.allowed, decision.message).toBe(true);
      expect(codeOf("perp-leverage")).toBe("PERP_LEVERAGE_OK");
    }
  });
});

describe("margin utilisation ≤ 50 % of the margin balance", () => {
  it("at 1×, a perp long worth 60 % of a 10,000 USDT margin balance is refused", async () => {
    const { decision } = await decide(perpEntry({ quantity: 0.12, stopLoss: 49_500, takeProfit: 51_000 }), perpContext());
    expect(decision.code).toBe("MARGIN_UTILISATION");
    expect(decision.data).toMatchObject({ marginUsed: 6_000, marginBalance: 10_000, marginUtilisationPct: 60 });
  });

  it("an open perp position's margin counts: 0.06 BTC held + 0.05 BTC more is over 50 %, 0.04 BTC more is not", async () => {
    const held: RiskPosition = { symbol: PERP, side: "long", quantity: 0.06, avgEntryPrice: 50_000, markPrice: 50_000, stopLoss: 49_000 };
    const over = await decide(perpEntry({ quantity: 0.05 }), perpContext({ positions: [held] }), { maxOpenPositionsPerSymbol: 2 });
    expect(over.decision.code).toBe("MARGIN_UTILISATION");
    const within = await decide(perpEntry({ quantity: 0.04 }), perpContext({ positions: [held] }), { maxOpenPositionsPerSymbol: 2 });
    expect(within.codeOf("margin-utilisation")).toBe("MARGIN_UTILISATION_OK");
  });

  it("at 3× the same 60 % notional uses a third of the margin and passes", async () => {
    const { codeOf } = await decide(perpEntry({ quantity: 0.12 }), perpContext({ leverage: 3 }), { maxLeverage: 3 });
    expect(codeOf("margin-utilisation")).toBe("MARGIN_UTILISATION_OK");
  });
});

describe("minimum distance of the stop from the liquidation price", () => {
  const tenX = { leverage: 10, marginMode: "isolated" as const };
  const position = { side: "long" as const, quantity: 0.01, entryPrice: 50_000 };
  const liq = liquidationPrice(position, { marginMode: "isolated", walletBalance: isolatedWallet(position, 10), brackets: EXAMPLE_BTC_BRACKETS })!;

  it("a 10× isolated long whose stop sits 85 % of the way to liquidation is refused, with the furthest stop allowed", async () => {
    const stop = priceAtLiquidationRisk(50_000, liq, 85);
    const { decision } = await decide(perpEntry({ quantity: 0.01, stopLoss: stop, takeProfit: 60_000 }), perpContext(tenX), { maxLeverage: 10 });
    expect(decision.code).toBe("STOP_TOO_CLOSE_TO_LIQUIDATION");
    expect(decision.data).toMatchObject({ liquidationPrice: liq, furthestStop: priceAtLiquidationRisk(50_000, liq, 80) });
  });

  it("the same long with its stop 50 % of the way passes", async () => {
    const stop = priceAtLiquidationRisk(50_000, liq, 50);
    const { codeOf, decision } = await decide(perpEntry({ quantity: 0.01, stopLoss: stop, takeProfit: 50_000 + 2 * (50_000 - stop) }), perpContext(tenX), {
      maxLeverage: 10,
    });
    expect(codeOf("stop-liquidation-distance"), decision.message).toBe("STOP_LIQUIDATION_OK");
  });

  it("a 1× long cannot be liquidated, so any stop passes", async () => {
    const { codeOf } = await decide(perpEntry(), perpContext({ marginMode: "isolated" }));
    expect(codeOf("stop-liquidation-distance")).toBe("STOP_LIQUIDATION_OK");
  });
});

describe("max position = principal + 70 % of profit", () => {
  it("with 2,000 USDT profit on 10,000 principal a 12,000 USDT perp position is refused: the cap is 11,400", async () => {
    const { decision } = await decide(perpEntry({ quantity: 0.24 }), perpContext({ leverage: 2, equity: 12_000 }), { maxLeverage: 2 });
    expect(decision.code).toBe("MAX_POSITION_PRINCIPAL");
    expect(decision.data).toMatchObject({ positionNotional: 12_000, capQuote: 10_000 + 0.7 * 2_000 });
  });

  it("below the principal the cap is the equity, not the principal", async () => {
    const { decision } = await decide(perpEntry({ quantity: 0.05 }), perpContext({ equity: 8_000 }));
    const verdict = decision.checks.find((c) => c.check === "principal-position-cap");
    expect(verdict).toMatchObject({ code: "MAX_POSITION_PRINCIPAL_OK", data: { capQuote: 8_000, profit: -2_000 } });
  });
});

describe("leverage unlock policy (opt-in)", () => {
  const on: Partial<RiskLimits> = { leverageUnlockEnabled: true, maxLeverage: 4 };

  it("off by default: a perp at 1× trades without any profit", async () => {
    const { codeOf } = await decide(perpEntry(), perpContext());
    expect(codeOf("leverage-unlock")).toBe("LEVERAGE_UNLOCK_OFF");
  });

  it("on, with +50 % profit the account is spot only: futures entries are refused", async () => {
    const { decision } = await decide(perpEntry(), perpContext({ equity: 15_000, leverage: 2 }), on);
    expect(decision.code).toBe("FUTURES_LOCKED");
  });

  it("on, +100 % profit unlocks 2× but not 3×", async () => {
    const at3 = await decide(perpEntry(), perpContext({ equity: 20_000, leverage: 3 }), on);
    expect(at3.decision.code).toBe("LEVERAGE_NOT_UNLOCKED");
    const at2 = await decide(perpEntry(), perpContext({ equity: 20_000, leverage: 2 }), on);
    expect(at2.codeOf("leverage-unlock")).toBe("LEVERAGE_UNLOCKED");
    expect(at2.decision.allowed, at2.decision.message).toBe(true);
  });

  it("on, 2× margin is limited to half the profit: 6,000 of margin on a 10,000 profit is refused", async () => {
    const { decision } = await decide(perpEntry({ quantity: 0.24 }), perpContext({ equity: 20_000, leverage: 2 }), on);
    expect(decision.code).toBe("UNLOCK_MARGIN_BUDGET");
    expect(decision.data).toMatchObject({ marginBudget: 5_000, marginUsed: initialMargin(0.24, 50_000, 2) });
  });

  it("on, +300 % unlocks 4×, and futures losses of 30 % of the profit cut it to 3×", async () => {
    const fine = await decide(perpEntry(), perpContext({ equity: 40_000, leverage: 4 }), on);
    expect(fine.codeOf("leverage-unlock")).toBe("LEVERAGE_UNLOCKED");
    const cut = await decide(perpEntry(), perpContext({ equity: 40_000, leverage: 4, futuresPnl: -9_000 }), on);
    expect(cut.decision.code).toBe("LEVERAGE_CUT_BY_LOSSES");
    expect(cut.decision.data).toMatchObject({ unlockedLeverage: 3, unlockedByProfit: 4 });
  });
});

describe("futures risk limits", () => {
  it("default to the plans' numbers with the unlock policy off and the leverage cap at 1×", () => {
    expect(DEFAULT_RISK_LIMITS).toMatchObject({
      maxLeverage: 1,
      maxMarginUtilisationPct: 50,
      liquidationWarnPct: 80,
      liquidationClosePct: 90,
      maxPositionProfitSharePct: 70,
      leverageUnlockEnabled: false,
      leverageUnlockStepPct: 100,
      leverageUnlockMaxLeverage: 4,
      leverageUnlockProfitSharePct: 50,
      leverageUnlockLossCutPct: 30,
    });
  });

  it("only tighten at run time: a lower margin cap, an earlier close, switching the unlock policy on", () => {
    const { limits } = applyTightening(DEFAULT_RISK_LIMITS, { maxMarginUtilisationPct: 40, liquidationClosePct: 85, leverageUnlockEnabled: true });
    expect(limits).toMatchObject({ maxMarginUtilisationPct: 40, liquidationClosePct: 85, leverageUnlockEnabled: true });
    expect(() => applyTightening(limits, { leverageUnlockEnabled: false })).toThrow(/loosen/);
    expect(() => applyTightening(limits, { maxMarginUtilisationPct: 60 })).toThrow(/loosen/);
    expect(() => applyTightening(limits, { minStopLiquidationDistancePct: 10 })).toThrow(/loosen/);
  });
});
