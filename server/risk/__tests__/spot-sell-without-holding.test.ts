import { describe, expect, it, vi } from "vitest";
import { composeBacktestEngine } from "../../backtest/engine";
import { DEFAULT_RISK_LIMITS } from "../../config/risk-limits";
import type { OrderRequest } from "../../model/types";
import { BTC, context, entry, exit, longBtc, startEngine, T0, type ContextOverrides } from "./fixtures";

/**
 * Issue 22: on spot, a manual SELL with no long (or larger than the long) was classified as a short
 * entry, passed every check, was executed by the venue and then refused by the ledger, so the bot and
 * the venue drifted apart. The spot-sell-holding check refuses it before it is sent.
 */

/** A sell that arrives as an entry, the way placeManualOrder sends one it cannot match to a long. */
function manualSell(o: Partial<OrderRequest> = {}): OrderRequest {
  return entry({ side: "sell", stopLoss: undefined, takeProfit: undefined, reason: "Manual market sell by test", ...o });
}

async function decide(req: OrderRequest, ctx: ContextOverrides = {}) {
  const { engine, sink } = await startEngine();
  return { decision: engine.evaluate(req, context(ctx)), sink };
}

describe("naked manual sell on spot is refused before the venue", () => {
  it("a manual market sell of 0.002 BTC with no position never reaches the venue, and nothing is booked", async () => {
    const bt = await composeBacktestEngine({
      instruments: new Map([[BTC.symbol, BTC]]),
      startingBalance: 10_000,
      quoteCurrency: "USDT",
      fees: { maker: 0.001, taker: 0.001 },
      slippageBps: 0,
      limits: { ...DEFAULT_RISK_LIMITS, minEntryIntervalSec: 0, symbolCooldownSec: 0 },
      baseTimeframe: "1m",
      allowShort: false,
      startTime: T0,
    });
    bt.kernel.onPrice("BTC/USDT", 50_000, T0);
    const sent = vi.spyOn(bt.venue, "submit");
    const cashBefore = bt.ledger.cash;

    const result = await bt.kernel.placeManualOrder({ symbol: "BTC/USDT", side: "sell", type: "market", quantity: 0.002, actor: "test" });
    await bt.kernel.idle();

    expect(result.decision.allowed).toBe(false);
    expect(result.decision.code).toBe("SPOT_SELL_WITHOUT_HOLDING");
    expect(result.decision.message).toContain("there is no unattributed (manual) long BTC/USDT position to sell");
    expect(result.decision.message).toContain("cannot short");
    expect(result.decision.checks.at(-1)).toMatchObject({ check: "spot-sell-holding", data: { requested: 0.002, held: 0 } });
    expect(sent).not.toHaveBeenCalled();
    expect(bt.ledger.positions()).toEqual([]);
    expect(bt.ledger.cash).toBe(cashBefore);
    await bt.account.stop();
  });

  it("the denial is a risk event with the requested and held quantities", async () => {
    const { decision, sink } = await decide(manualSell({ quantity: 0.002 }));
    expect(decision.code).toBe("SPOT_SELL_WITHOUT_HOLDING");
    expect(sink.codes("denial")).toEqual(["SPOT_SELL_WITHOUT_HOLDING"]);
    expect(sink.events[0]!.data).toMatchObject({ check: "spot-sell-holding", requested: 0.002, held: 0, symbol: "BTC/USDT" });
  });

  it("a strategy's long is not the manual seller's holding", async () => {
    const { decision } = await decide(manualSell({ quantity: 0.002 }), { positions: [longBtc({ strategyInstanceId: "ma-1" })] });
    expect(decision.code).toBe("SPOT_SELL_WITHOUT_HOLDING");
    expect(decision.data).toMatchObject({ requested: 0.002, held: 0 });
  });

  it("a sell entry of strategy A is not covered by strategy B's long", async () => {
    const positions = [longBtc({ strategyInstanceId: "B", quantity: 1 })];
    const { decision } = await decide(manualSell({ strategyInstanceId: "A", quantity: 0.01 }), { positions });
    expect(decision.code).toBe("SPOT_SELL_WITHOUT_HOLDING");
    expect(decision.message).toContain("strategy instance A's");
  });

  it("an account that allows shorting may sell what it does not hold (a short entry)", async () => {
    const { engine } = await startEngine();
    const decision = engine.evaluate(manualSell({ quantity: 0.002 }), { ...context(), allowShort: true });
    expect(decision.checks.find((c) => c.check === "spot-sell-holding")).toMatchObject({ allowed: true, code: "SHORTING_ALLOWED" });
    expect(decision.allowed).toBe(true);
  });
});

describe("sell of exactly the held quantity passes", () => {
  it("a sell equal to the unattributed long passes the holding check", async () => {
    const { decision } = await decide(manualSell({ quantity: 0.01 }), { positions: [longBtc({ quantity: 0.01 })] });
    expect(decision.checks.find((c) => c.check === "spot-sell-holding")).toMatchObject({
      allowed: true,
      code: "SELL_COVERED_BY_HOLDING",
      data: { requested: 0.01, held: 0.01 },
    });
  });

  it("lots of 0.7 and 0.1 hold 0.8 (a float sum gives 0.7999999999999999): a sell of 0.8 passes", async () => {
    expect(0.7 + 0.1).toBeLessThan(0.8);
    const positions = [longBtc({ quantity: 0.7 }), longBtc({ quantity: 0.1 })];
    const { decision } = await decide(manualSell({ quantity: 0.8 }), { positions, equity: 100_000 });
    expect(decision.checks.find((c) => c.check === "spot-sell-holding")).toMatchObject({ allowed: true, data: { held: 0.8 } });
  });

  it("a sell computed as 0.1 + 0.2 (0.30000000000000004) of a 0.3 long is the same 0.3 and passes", async () => {
    const { decision } = await decide(manualSell({ quantity: 0.1 + 0.2 }), { positions: [longBtc({ quantity: 0.3 })], equity: 100_000 });
    expect(decision.checks.find((c) => c.check === "spot-sell-holding")).toMatchObject({ allowed: true, code: "SELL_COVERED_BY_HOLDING" });
  });

  it("a strategy's sell of exactly its own long passes", async () => {
    const positions = [longBtc({ strategyInstanceId: "A", quantity: 0.00003 }), longBtc({ quantity: 5 })];
    const { decision } = await decide(manualSell({ strategyInstanceId: "A", quantity: 0.00003 }), { positions });
    expect(decision.checks.find((c) => c.check === "spot-sell-holding")).toMatchObject({ allowed: true, data: { requested: 0.00003, held: 0.00003 } });
  });
});

describe("sell larger than the long is refused", () => {
  it("selling 0.02 BTC against a manual long of 0.01 is refused with both numbers", async () => {
    const { decision } = await decide(manualSell({ quantity: 0.02 }), { positions: [longBtc({ quantity: 0.01 })] });
    expect(decision.allowed).toBe(false);
    expect(decision.code).toBe("SPOT_SELL_WITHOUT_HOLDING");
    expect(decision.message).toContain("larger than the unattributed (manual) long BTC/USDT position of 0.01");
    expect(decision.data).toMatchObject({ requested: 0.02, held: 0.01 });
  });

  it("one lot step more than held is refused: no tolerance lets an oversell through", async () => {
    const { decision } = await decide(manualSell({ quantity: 0.01001 }), { positions: [longBtc({ quantity: 0.01 })] });
    expect(decision.code).toBe("SPOT_SELL_WITHOUT_HOLDING");
    expect(decision.data).toMatchObject({ requested: 0.01001, held: 0.01 });
  });

  it("one unit of the 8-decimal grid more than held is refused", async () => {
    const { decision } = await decide(manualSell({ quantity: 0.01000001 }), { positions: [longBtc({ quantity: 0.01 })] });
    expect(decision.code).toBe("SPOT_SELL_WITHOUT_HOLDING");
  });
});

describe("exits of the full position pass", () => {
  it("an intent-exit, reduce-only sell of the whole manual long passes", async () => {
    const { decision } = await decide(exit({ quantity: 0.01, exitReason: "manual" }), { positions: [longBtc({ quantity: 0.01 })] });
    expect(decision.allowed).toBe(true);
    expect(decision.checks.map((c) => c.check)).not.toContain("spot-sell-holding");
  });

  it("a strategy's reduce-only exit of its whole long passes", async () => {
    const positions = [longBtc({ strategyInstanceId: "A", quantity: 0.7 }), longBtc({ strategyInstanceId: "B", quantity: 0.1 })];
    const { decision } = await decide(exit({ strategyInstanceId: "A", quantity: 0.7 }), { positions, equity: 100_000 });
    expect(decision.allowed).toBe(true);
  });

  it("a manual sell of the whole long is sent as an exit and fills; the ledger is flat afterwards", async () => {
    const bt = await composeBacktestEngine({
      instruments: new Map([[BTC.symbol, BTC]]),
      startingBalance: 10_000,
      quoteCurrency: "USDT",
      fees: { maker: 0.001, taker: 0.001 },
      slippageBps: 0,
      limits: { ...DEFAULT_RISK_LIMITS, minEntryIntervalSec: 0, symbolCooldownSec: 0, minEdgeOverFeesPct: 0 },
      baseTimeframe: "1m",
      allowShort: false,
      startTime: T0,
    });
    bt.kernel.onPrice("BTC/USDT", 50_000, T0);
    const buy = await bt.kernel.placeManualOrder({ symbol: "BTC/USDT", side: "buy", type: "market", quantity: 0.01, actor: "test" });
    expect(buy.decision.allowed, buy.decision.message).toBe(true);
    bt.kernel.onPrice("BTC/USDT", 50_000, T0 + 1_000);
    await bt.kernel.idle();
    const held = bt.ledger.positions()[0];
    expect(held).toMatchObject({ side: "long" });

    const sell = await bt.kernel.placeManualOrder({ symbol: "BTC/USDT", side: "sell", type: "market", quantity: held!.quantity, actor: "test" });
    bt.kernel.onPrice("BTC/USDT", 50_000, T0 + 2_000);
    await bt.kernel.idle();
    expect(sell.decision.allowed, sell.decision.message).toBe(true);
    expect(sell.decision.orderClass).toBe("exit");
    expect(bt.ledger.positions()).toEqual([]);
    await bt.account.stop();
  });
});
