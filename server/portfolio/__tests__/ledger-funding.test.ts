import { describe, expect, it } from "vitest";
import { fundingCashFlow } from "../../futures";
import type { Fill } from "../../model/types";
import { Ledger, LedgerError, sequentialLedgerIds } from "../ledger";

const T0 = Date.UTC(2024, 0, 1);
const H8 = 8 * 3_600_000;
const SYMBOL = "BTC/USDT:USDT";

let seq = 0;
function fill(side: Fill["side"], quantity: number, price: number, fee = 0, timestamp = T0): Fill {
  seq += 1;
  return { clientOrderId: `f${seq}`, venueTradeId: `t${seq}`, symbol: SYMBOL, side, price, quantity, fee, liquidity: "taker", timestamp };
}

function futures(startingCash = 10_000): Ledger {
  return new Ledger({ mode: "paper", startingCash, allowShort: true, ids: sequentialLedgerIds("fut-") });
}

function expectInvariants(ledger: Ledger): void {
  // equity = startingCash + realizedPnl + unrealizedPnl (to float rounding of the marks)
  expect(ledger.equity()).toBeCloseTo(ledger.startingCash + ledger.realizedPnl + ledger.unrealizedPnl(), 6);
}

describe("funding on a perpetual position", () => {
  it("a long pays funding at a positive rate: cash falls by it, the position's fundingPaid grows, equity includes it", () => {
    const ledger = futures();
    ledger.applyFill(fill("buy", 0.1, 50_000, 2), { strategyInstanceId: "trend" });
    const cashBefore = ledger.cash;
    const equityBefore = ledger.equity();
    const flow = fundingCashFlow("long", 0.1, 50_000, 0.0001);
    expect(flow).toBe(-0.5); // 0.1 × 50,000 × 0.01 % paid by the long

    const out = ledger.applyFunding({ symbol: SYMBOL, strategyInstanceId: "trend", cashFlow: flow, timestamp: T0 + H8, fundingRate: 0.0001, markPrice: 50_000 });
    expect(out.cashDelta).toBe(-0.5);
    expect(out.fundingPaid).toBe(0.5);
    expect(ledger.cash).toBe(cashBefore - 0.5);
    expect(ledger.equity()).toBeCloseTo(equityBefore - 0.5, 8);
    expect(ledger.getPosition(SYMBOL, "trend")?.fundingPaid).toBe(0.5);
    expect(ledger.getPosition(SYMBOL, "trend")?.realizedPnl).toBe(-2.5); // entry fee 2 + funding 0.5
    expect(ledger.fundingPaid).toBe(0.5);
    expect(ledger.summary().fundingPaid).toBe(0.5);
    expectInvariants(ledger);
  });

  it("a short receives funding at a positive rate and its closed trade counts it in pnl", () => {
    const ledger = futures();
    ledger.applyFill(fill("sell", 0.2, 50_000, 5));
    for (const [i, rate] of [0.0001, 0.0003, -0.0002].entries()) {
      ledger.applyFunding({ symbol: SYMBOL, cashFlow: fundingCashFlow("short", 0.2, 50_000, rate), timestamp: T0 + (i + 1) * H8 });
    }
    // received 1 + 3 − 2 = 2 USDT (0.2 × 50,000 = 10,000 notional)
    expect(ledger.getPosition(SYMBOL)?.fundingPaid).toBe(-2);
    const out = ledger.applyFill(fill("buy", 0.2, 49_000, 4.9, T0 + 4 * H8), { exitReason: "take_profit" });
    const trade = out.closedTrade!;
    // gross 200, fees 9.9, funding received 2
    expect(trade.pnl).toBe(200 - 9.9 + 2);
    expect(trade.fundingPaid).toBe(-2);
    expect(ledger.realizedPnl).toBe(trade.pnl);
    expect(ledger.cash).toBe(10_000 + trade.pnl);
    expect(ledger.attribution().bySymbol[SYMBOL]).toMatchObject({ fundingPaid: -2, realizedPnl: trade.pnl });
    expectInvariants(ledger);
  });

  it("funding booked between a partial close and the final close stays with the position until its trade", () => {
    const ledger = futures();
    ledger.applyFill(fill("buy", 1, 20_000));
    ledger.applyFunding({ symbol: SYMBOL, cashFlow: -1.25, timestamp: T0 + H8 });
    ledger.applyFill(fill("sell", 0.5, 21_000, 0, T0 + H8 + 1));
    ledger.applyFunding({ symbol: SYMBOL, cashFlow: -0.75, timestamp: T0 + 2 * H8 });
    const trade = ledger.applyFill(fill("sell", 0.5, 22_000, 0, T0 + 2 * H8 + 1)).closedTrade!;
    expect(trade.fundingPaid).toBe(2);
    expect(trade.pnl).toBe(500 + 1_000 - 2);
    expect(ledger.cash).toBe(10_000 + trade.pnl);
  });

  it("funding for a symbol with no open position is refused and changes nothing", () => {
    const ledger = futures();
    const before = JSON.stringify(ledger.toJSON());
    expect(() => ledger.applyFunding({ symbol: SYMBOL, cashFlow: -1, timestamp: T0 })).toThrow(LedgerError);
    ledger.applyFill(fill("buy", 0.1, 50_000));
    expect(() => ledger.applyFunding({ symbol: SYMBOL, strategyInstanceId: "other", cashFlow: -1, timestamp: T0 })).toThrow(/no open position/);
    expect(() => ledger.applyFunding({ symbol: SYMBOL, cashFlow: Number.NaN, timestamp: T0 })).toThrow(/cashFlow/);
    expect(ledger.fundingPaid).toBe(0);
    expect(before).not.toContain("fundingPaid");
  });

  it("a restart from the saved state keeps the funding paid by the ledger, the position and the attribution", () => {
    const ledger = futures();
    ledger.applyFill(fill("buy", 0.1, 50_000, 2), { strategyInstanceId: "trend" });
    ledger.applyFunding({ symbol: SYMBOL, strategyInstanceId: "trend", cashFlow: -0.5, timestamp: T0 + H8 });
    const restored = Ledger.fromJSON(JSON.parse(JSON.stringify(ledger.toJSON())));
    expect(restored.toJSON()).toEqual(ledger.toJSON());
    expect(restored.realizedPnl).toBe(ledger.realizedPnl);
    const trade = restored.applyFill(fill("sell", 0.1, 50_000, 2, T0 + H8 + 1), { strategyInstanceId: "trend" }).closedTrade!;
    expect(trade.pnl).toBe(-4.5);
    expect(restored.cash).toBe(10_000 - 4.5);
  });

  it("a spot ledger that never books funding shows no funding anywhere", () => {
    const ledger = new Ledger({ mode: "paper", startingCash: 1_000, ids: sequentialLedgerIds("spot-") });
    ledger.applyFill({ ...fill("buy", 0.01, 50_000, 0.5), symbol: "BTC/USDT" });
    const trade = ledger.applyFill({ ...fill("sell", 0.01, 51_000, 0.51), symbol: "BTC/USDT" }).closedTrade!;
    expect("fundingPaid" in trade).toBe(false);
    expect("fundingPaid" in ledger.summary()).toBe(false);
    expect(JSON.stringify(ledger.toJSON())).not.toContain("fundingPaid");
  });
});
