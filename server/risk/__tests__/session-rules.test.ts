import { describe, expect, it } from "vitest";
import { DEFAULT_RISK_LIMITS } from "../../config/risk-limits";
import { ManualClock } from "../../core/clock";
import { sessionNetPnl, sessionStopReason } from "../../golive/session-rules";
import type { Fill } from "../../model/types";
import { checkExits, DEFAULT_EXIT_RULES } from "../../portfolio/exits";
import { Ledger, sequentialLedgerIds } from "../../portfolio/ledger";
import { RiskEngine } from "../risk-engine";
import { InMemoryRiskStateStore } from "../state-store";
import { context, entry, longBtc, MIN, T0 } from "./fixtures";

/** The 4-hour session of the seed plan: $500 capital, $150 per position, 3 open, +$6 target, −$15 limit. */
const SESSION = { maxPositionQuote: 150, maxOpenPositions: 3, capital: 500 };

async function engineWithSession() {
  const engine = await RiskEngine.start({ limits: DEFAULT_RISK_LIMITS, store: new InMemoryRiskStateStore(), clock: new ManualClock(T0) });
  engine.setSessionRules("ses_1", SESSION);
  return engine;
}

const sessionBuy = (usd: number, o: Parameters<typeof entry>[0] = {}) =>
  entry({ quantity: usd / 50_000, stopLoss: 49_500, takeProfit: 51_000, sessionId: "ses_1", strategyInstanceId: "ses_ses_1", ...o });

describe("trading session rules, enforced by the risk engine", () => {
  it("a $1,000 entry tagged with the session is refused: the session's cap is $150", async () => {
    const engine = await engineWithSession();
    const d = engine.evaluate(sessionBuy(1_000), context());
    expect(d.code).toBe("SESSION_POSITION_CAP");
    expect(d.message).toBe("session ses_1: a position of 1000.00 USDT is above the session's cap of 150.00 USDT");
    expect(engine.evaluate(sessionBuy(140, { clientOrderId: "ok-1" }), context()).code).toBe("ALLOWED");
  });

  it("adding to a session position counts what it already holds", async () => {
    const engine = await engineWithSession();
    const held = longBtc({ quantity: 0.002, strategyInstanceId: "ses_ses_1" }); // $100
    expect(engine.evaluate(sessionBuy(60), context({ positions: [held] })).code).toBe("SESSION_POSITION_CAP");
  });

  it("a fourth session position is refused, and so is passing the session's capital", async () => {
    const engine = await RiskEngine.start({ limits: { ...DEFAULT_RISK_LIMITS, maxOpenPositions: 10 }, store: new InMemoryRiskStateStore() });
    engine.setSessionRules("ses_1", SESSION);
    const mine = (symbol: string, quantity: number, price: number) => ({ symbol, side: "long" as const, quantity, avgEntryPrice: price, stopLoss: price * 0.99, strategyInstanceId: "ses_ses_1" });
    const three = [mine("ETH/USDT", 0.05, 2_500), mine("SOL/USDT", 1.2, 100), mine("XRP/USDT", 200, 0.5)];
    expect(engine.evaluate(sessionBuy(100), context({ positions: three })).code).toBe("SESSION_MAX_OPEN");
    engine.setSessionRules("ses_1", { ...SESSION, maxOpenPositions: 5, capital: 450 });
    // 125 + 120 + 100 held, + 140 = 485 > 450.
    expect(engine.evaluate(sessionBuy(140, { clientOrderId: "c-2" }), context({ positions: three })).code).toBe("SESSION_CAPITAL");
  });

  it("after the session ended, an entry still tagged with it is refused", async () => {
    const engine = await engineWithSession();
    engine.clearSessionRules("ses_1");
    const d = engine.evaluate(sessionBuy(100), context({ now: T0 + MIN }));
    expect(d.code).toBe("SESSION_NOT_RUNNING");
  });

  it("an entry without a session is not the session check's business", async () => {
    const engine = await engineWithSession();
    expect(engine.evaluate(entry({ quantity: 0.005 }), context()).checks.find((c) => c.check === "session-cap")?.code).toBe("NO_SESSION");
  });
});

describe("the session's +$6 target and −$15 limit are measured after exit costs", () => {
  const rules = { profitTarget: 6, maxLoss: 15 };
  const open = (unrealizedPnl: number) => [{ quantity: 0.004, markPrice: 50_000, unrealizedPnl, realizedPnl: -0.2 }];

  it("+$6.30 on the screen is $5.90 after the $0.20 exit fee: the session goes on", () => {
    const pnl = sessionNetPnl({ realized: 0, open: open(6.3), takerFee: 0.001 });
    expect(pnl).toEqual({ realized: 0, unrealized: 6.1, exitCosts: 0.2, net: 5.9 });
    expect(sessionStopReason(rules, pnl, T0, T0 + 60 * MIN)).toBeNull();
    expect(sessionStopReason(rules, sessionNetPnl({ realized: 0, open: open(6.4), takerFee: 0.001 }), T0, T0 + 60 * MIN)).toBe("profit_target");
  });

  it("−$14.70 on the screen is −$15.10 after costs: the session stops at its loss limit", () => {
    const pnl = sessionNetPnl({ realized: 0, open: open(-14.7), takerFee: 0.001 });
    expect(pnl.net).toBe(-15.1);
    expect(sessionStopReason(rules, pnl, T0, T0 + 60 * MIN)).toBe("max_loss");
  });

  it("realized trades count as booked, and the session ends at its time", () => {
    const pnl = sessionNetPnl({ realized: 2.5, open: [], takerFee: 0.001 });
    expect(pnl.net).toBe(2.5);
    expect(sessionStopReason(rules, pnl, T0 + 60 * MIN, T0 + 60 * MIN)).toBe("time");
  });
});

describe("the default 2% stop and 5% target let the trailing stop act", () => {
  it("a default entry that runs +4% and pulls back leaves on the trailing stop, before the target", () => {
    expect(DEFAULT_EXIT_RULES).toMatchObject({ stopLossPct: 2, takeProfitPct: 5, trailingActivationPct: 3, trailingDistancePct: 1 });
    const ledger = new Ledger({ mode: "paper", startingCash: 10_000, ids: sequentialLedgerIds("t-") });
    const price = 100;
    const buy: Fill = { clientOrderId: "o1", venueTradeId: "t1", symbol: "BTC/USDT", side: "buy", price, quantity: 1, fee: 0, liquidity: "taker", timestamp: T0 };
    // The engine states the levels from the risk defaults.
    ledger.applyFill(buy, {
      stopLoss: price * (1 - DEFAULT_RISK_LIMITS.defaultStopLossPct / 100),
      takeProfit: price * (1 + DEFAULT_RISK_LIMITS.defaultTakeProfitPct / 100),
    });
    const pos = ledger.getPosition("BTC/USDT")!;
    expect(pos).toMatchObject({ stopLoss: 98, takeProfit: 105 });
    const candle = (open: number, high: number, low: number, close: number) => ({ symbol: "BTC/USDT", open, high, low, close });
    const up = candle(100, 104, 99.8, 103.8);
    expect(checkExits(pos, up, T0 + MIN)).toBeNull();
    ledger.markCandle(up);
    expect(pos.trailingStop).toBeCloseTo(102.96, 10);
    const trigger = checkExits(pos, candle(103.8, 103.9, 102.5, 102.7), T0 + 2 * MIN);
    expect(trigger).toMatchObject({ reason: "trailing_stop" });
    expect(trigger!.price).toBeCloseTo(102.96, 10);
  });
});
