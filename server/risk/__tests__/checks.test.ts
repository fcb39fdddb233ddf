import { describe, expect, it } from "vitest";
import type { RiskLimits } from "../../config/risk-limits";
import type { OrderRequest } from "../../model/types";
import { DEFAULT_RISK_CHECKS } from "../checks";
import { deny } from "../checks/verdict";
import { InMemoryRiskStateStore } from "../state-store";
import type { RiskCheck, RiskContext } from "../types";
import { RiskEngine } from "../risk-engine";
import { DEFAULT_RISK_LIMITS } from "../../config/risk-limits";
import { context, entry, ETH, exit, HOUR, longBtc, MIN, RecordingSink, startEngine, T0, type ContextOverrides } from "./fixtures";

async function decide(req: OrderRequest, ctx: ContextOverrides | RiskContext = {}, limits: Partial<RiskLimits> = {}) {
  const { engine, sink } = await startEngine(limits);
  const snapshot = "lastPrices" in ctx ? ctx : context(ctx);
  return { decision: engine.evaluate(req, snapshot), engine, sink };
}

describe("a sound entry", () => {
  it("a 500 USDT BTC long with a 1% stop passes every check and records each verdict", async () => {
    const { decision } = await decide(entry());
    expect(decision.allowed).toBe(true);
    expect(decision.code).toBe("ALLOWED");
    expect(decision.checks.map((c) => c.check)).toEqual(DEFAULT_RISK_CHECKS.filter((c) => c.appliesTo !== "exit").map((c) => c.id));
    expect(decision.checks.every((c) => c.allowed)).toBe(true);
  });
});

describe("request sanity: bad numbers are denied with a code, never thrown", () => {
  it.each([
    ["NaN quantity", { quantity: Number.NaN }, "INVALID_QUANTITY"],
    ["Infinity quantity", { quantity: Number.POSITIVE_INFINITY }, "INVALID_QUANTITY"],
    ["negative quantity", { quantity: -0.01 }, "INVALID_QUANTITY"],
    ["zero quantity", { quantity: 0 }, "INVALID_QUANTITY"],
    ["NaN limit price", { type: "limit" as const, price: Number.NaN }, "INVALID_PRICE"],
    ["negative stop loss", { stopLoss: -1 }, "INVALID_STOP_LOSS"],
    ["Infinity take-profit", { takeProfit: Number.POSITIVE_INFINITY }, "INVALID_TAKE_PROFIT"],
    ["limit order without a price", { type: "limit" as const }, "MISSING_LIMIT_PRICE"],
    ["unknown side", { side: "hold" as never }, "INVALID_ORDER"],
    ["entry flagged reduce-only", { reduceOnly: true }, "ENTRY_REDUCE_ONLY"],
  ])("%s → %s", async (_name, patch, code) => {
    const { decision, sink } = await decide(entry(patch as Partial<OrderRequest>));
    expect(decision.allowed).toBe(false);
    expect(decision.code).toBe(code);
    expect(sink.codes("denial")).toEqual([code]);
  });

  it("an exit that is not reduce-only is refused: it could flip the position", async () => {
    const { decision } = await decide(exit({ reduceOnly: false }), { positions: [longBtc()] });
    expect(decision.code).toBe("EXIT_NOT_REDUCE_ONLY");
  });

  it("a null request or a snapshot without a time is denied, not thrown", async () => {
    const { engine } = await startEngine();
    expect(engine.evaluate(null as unknown as OrderRequest, context()).code).toBe("INVALID_ORDER");
    expect(engine.evaluate(entry(), { ...context(), now: Number.NaN }).code).toBe("RISK_CONTEXT_INVALID");
  });

  it("NaN equity denies entries but a stop-loss exit still goes out", async () => {
    const { engine } = await startEngine();
    const ctx = context({ equity: Number.NaN, positions: [longBtc()] });
    expect(engine.evaluate(entry(), ctx).code).toBe("RISK_CONTEXT_INVALID");
    expect(engine.evaluate(exit({ exitReason: "stop_loss" }), ctx).allowed).toBe(true);
  });

  it("a long whose stop is above the price is refused", async () => {
    const { decision } = await decide(entry({ stopLoss: 50_500 }));
    expect(decision.code).toBe("INVALID_STOP_LOSS");
  });

  it("a market entry on a symbol with no last price is refused", async () => {
    const { decision } = await decide(entry({ symbol: "DOGE/USDT" }));
    expect(decision.code).toBe("NO_REFERENCE_PRICE");
  });

  it("a check that throws denies the order (fail closed)", async () => {
    const broken: RiskCheck = {
      id: "broken",
      appliesTo: "all",
      description: "throws",
      evaluate() {
        throw new Error("boom");
      },
    };
    const engine = await RiskEngine.start({ limits: DEFAULT_RISK_LIMITS, store: new InMemoryRiskStateStore(), checks: [broken] });
    const d = engine.evaluate(entry(), context());
    expect(d.allowed).toBe(false);
    expect(d.code).toBe("RISK_CHECK_FAILED");
    expect(d.message).toContain("boom");
  });

  it("a custom plugin is one more file in the list", async () => {
    const noDoge: RiskCheck = {
      id: "no-doge",
      appliesTo: "entry",
      description: "no DOGE",
      evaluate: ({ request }) => (request.symbol.startsWith("DOGE") ? deny("NO_DOGE", "no DOGE") : { allowed: true, code: "OK", message: "ok" }),
    };
    const engine = await RiskEngine.start({ limits: DEFAULT_RISK_LIMITS, store: new InMemoryRiskStateStore(), checks: [...DEFAULT_RISK_CHECKS, noDoge] });
    expect(engine.evaluate(entry(), context()).checks.at(-1)?.check).toBe("no-doge");
  });
});

describe("position size", () => {
  it("a 4,000 USDT entry on a 10,000 USDT account breaks the 20% cap", async () => {
    // The default cap became 20% (Phase 2 plan, issue 16); it was 30% (capQuote 3000).
    const { decision } = await decide(entry({ quantity: 0.08, stopLoss: 49_900 }));
    expect(decision.code).toBe("MAX_POSITION_PCT_EQUITY");
    expect(decision.data).toMatchObject({ positionNotional: 4000, capQuote: 2000 });
  });

  it("a 300 USDT quote cap denies a 500 USDT entry", async () => {
    const { decision } = await decide(entry(), {}, { maxPositionQuote: 300 });
    expect(decision.code).toBe("MAX_POSITION_QUOTE");
  });

  it("a 5 USDT entry is below the 10 USDT minimum position", async () => {
    const { decision } = await decide(entry({ quantity: 0.0001 }));
    expect(decision.code).toBe("POSITION_TOO_SMALL");
  });

  it("adding 1,000 USDT to a 2,500 USDT long counts the whole 3,500 USDT position", async () => {
    const { decision } = await decide(entry({ quantity: 0.02 }), { positions: [longBtc({ quantity: 0.05 })] });
    expect(decision.code).toBe("MAX_POSITION_PCT_EQUITY");
    expect(decision.data?.positionNotional).toBe(3500);
  });
});

describe("venue minimums", () => {
  it("a quantity below the venue minimum is refused before sending", async () => {
    const { decision } = await decide(entry({ quantity: 0.000005 }));
    expect(decision.code).toBe("VENUE_MIN_QTY");
  });

  it("a quantity off the lot step is refused", async () => {
    const { decision } = await decide(entry({ quantity: 0.012345 }));
    expect(decision.code).toBe("VENUE_LOT_STEP");
  });

  it("float noise on a valid quantity is not mistaken for an off-step quantity", async () => {
    const { decision } = await decide(entry({ quantity: 0.1 + 0.2 - 0.29 }));
    expect(decision.checks.find((c) => c.check === "venue-minimums")?.allowed).toBe(true);
  });

  it("2.50 USDT of XRP is below the 5 USDT minimum notional", async () => {
    const { decision } = await decide(entry({ symbol: "XRP/USDT", quantity: 5, stopLoss: 0.49, takeProfit: 0.52 }));
    expect(decision.code).toBe("VENUE_MIN_NOTIONAL");
  });

  it("a limit price off the tick size is refused", async () => {
    const { decision } = await decide(entry({ type: "limit", price: 49_999.995 }));
    expect(decision.code).toBe("VENUE_PRICE_TICK");
  });

  it("an entry on a symbol without instrument rules is refused, an exit is not trapped", async () => {
    const ctx = context({ instruments: new Map([[ETH.symbol, ETH]]), positions: [longBtc()] });
    const { engine } = await startEngine();
    expect(engine.evaluate(entry(), ctx).code).toBe("UNKNOWN_INSTRUMENT");
    const out = engine.evaluate(exit(), ctx);
    expect(out.allowed).toBe(true);
    expect(out.checks.find((c) => c.check === "venue-minimums")?.code).toBe("VENUE_RULES_UNCHECKED");
  });

  it("a dust exit below the minimum notional is refused before it becomes a venue error", async () => {
    const { decision } = await decide(exit({ quantity: 0.00005 }), { positions: [longBtc({ quantity: 0.00005 })] });
    expect(decision.code).toBe("VENUE_MIN_NOTIONAL");
  });
});

describe("open positions", () => {
  const three = [
    longBtc({ quantity: 0.002 }),
    { symbol: "ETH/USDT", side: "long" as const, quantity: 0.1, avgEntryPrice: 2_500 },
    { symbol: "SOL/USDT", side: "long" as const, quantity: 1, avgEntryPrice: 100 },
  ];

  it("with 3 positions open, a 4th (XRP) is refused", async () => {
    const { decision } = await decide(entry({ symbol: "XRP/USDT", quantity: 1000, stopLoss: 0.495, takeProfit: 0.51 }), { positions: three });
    expect(decision.code).toBe("MAX_OPEN_POSITIONS");
  });

  it("a working ETH entry order counts as a position", async () => {
    const { decision } = await decide(entry({ symbol: "XRP/USDT", quantity: 1000, stopLoss: 0.495, takeProfit: 0.51 }), {
      positions: three.slice(0, 2),
      openOrders: [{ clientOrderId: "o1", symbol: "SOL/USDT", side: "buy", type: "limit", quantity: 1, price: 99, intent: "entry", reduceOnly: false }],
    });
    expect(decision.code).toBe("MAX_OPEN_POSITIONS");
  });

  it("a second strategy cannot open another BTC position while one is open (1 per symbol)", async () => {
    const { decision } = await decide(entry({ strategyInstanceId: "B" }), { positions: [longBtc({ strategyInstanceId: "A", quantity: 0.002 })] });
    expect(decision.code).toBe("MAX_OPEN_POSITIONS_PER_SYMBOL");
  });
});

describe("per-trade loss and portfolio heat", () => {
  it("a 2,500 USDT entry with a 5% stop risks 1.25% of equity, above the 1% per-trade limit", async () => {
    const { decision } = await decide(entry({ quantity: 0.05, stopLoss: 47_500 }), {}, { maxPositionPctEquity: 30 });
    expect(decision.code).toBe("MAX_TRADE_LOSS");
    expect(decision.data).toMatchObject({ lossAtStop: 125, lossPct: 1.25 });
  });

  it("an entry without a stop is judged on the default 2% stop", async () => {
    // The default stop became 2% (Phase 2 plan, issue 16); it was 1% (lossAtStop 25 on 0.05 BTC).
    const { decision } = await decide(entry({ quantity: 0.03, stopLoss: undefined, takeProfit: 52_500 }));
    expect(decision.allowed).toBe(true);
    expect(decision.checks.find((c) => c.check === "trade-loss")?.data).toMatchObject({ lossAtStop: 30, stopStated: false });
  });

  it("open BTC and ETH risking 5.5% leave no room for a SOL trade risking 0.55% (6% heat cap)", async () => {
    const positions = [
      longBtc({ quantity: 0.1, stopLoss: 47_000 }), // 300 at risk
      { symbol: "ETH/USDT", side: "long" as const, quantity: 1, avgEntryPrice: 2_500, stopLoss: 2_250 }, // 250 at risk
    ];
    const sol = entry({ symbol: "SOL/USDT", quantity: 5, stopLoss: 89, takeProfit: 125 }); // 55 at risk (target 125: reward:risk ≥ 2)
    const { decision } = await decide(sol, { positions, freeQuote: 3_000 });
    expect(decision.code).toBe("MAX_PORTFOLIO_HEAT");
    expect(decision.data).toMatchObject({ heatBefore: 550, heatAfter: 605 });
    const ok = await decide({ ...sol, clientOrderId: "sol-2", stopLoss: 90 }, { positions, freeQuote: 3_000 }); // 3,000 free: the 20% reserve (issue 16) holds after 500
    expect(ok.decision.code).toBe("ALLOWED"); // exactly 6.00% is at, not over, the cap
  });
});

describe("loss limits as pre-trade budgets", () => {
  it("200 USDT lost today + 120 USDT at this trade's stop would pass the 300 USDT daily limit", async () => {
    const { engine } = await startEngine({ maxTradeLossPct: 5, maxPositionPctEquity: 30 });
    engine.observe(context({ equity: 10_000 }));
    const d = engine.evaluate(entry({ quantity: 0.04, stopLoss: 47_000, takeProfit: 56_000 }), context({ now: T0 + HOUR, equity: 9_800 }));
    expect(d.code).toBe("DAILY_LOSS_LIMIT");
    expect(d.data).toMatchObject({ lossToday: 200, tradeLossAtStop: 120, dailyLossLimit: 300 });
  });

  it("a week that lost 550 of its 600 USDT budget refuses a trade risking 60 USDT", async () => {
    const { engine } = await startEngine();
    engine.observe(context({ now: Date.UTC(2024, 2, 4, 9), equity: 10_000 })); // Monday
    engine.observe(context({ now: Date.UTC(2024, 2, 6, 0, 5), equity: 9_500 })); // Wednesday opens at 9,500
    const d = engine.evaluate(entry({ quantity: 0.02, stopLoss: 47_000 }), context({ equity: 9_450 }));
    expect(d.code).toBe("WEEKLY_LOSS_LIMIT");
    expect(d.data).toMatchObject({ lossThisWeek: 550, weeklyLossLimit: 600 });
  });

  it("9% below last week's peak, a trade that could add 1.5% more is refused (10% drawdown limit)", async () => {
    const { engine } = await startEngine({ maxTradeLossPct: 5 });
    engine.observe(context({ now: T0 - 7 * 24 * HOUR, equity: 10_000 }));
    const d = engine.evaluate(entry({ quantity: 0.03, stopLoss: 45_000 }), context({ equity: 9_100 }));
    expect(d.code).toBe("DRAWDOWN_LIMIT");
    expect(engine.state).toBe("ACTIVE");
  });
});

describe("balances", () => {
  it("400 USDT free cannot pay for a 500 USDT entry", async () => {
    const { decision } = await decide(entry(), { freeQuote: 400 });
    expect(decision.code).toBe("INSUFFICIENT_BALANCE");
  });

  it("an entry that would leave less than the minimum account balance is refused", async () => {
    const { decision } = await decide(entry(), {}, { minAccountBalance: 9_600 });
    expect(decision.code).toBe("MIN_ACCOUNT_BALANCE");
  });

  it("with 2,400 USDT free, a 500 USDT entry would eat into the 20% stablecoin reserve", async () => {
    const { decision } = await decide(entry(), { freeQuote: 2_400 }, { stablecoinReservePct: 20 });
    expect(decision.code).toBe("STABLECOIN_RESERVE");
    expect(decision.data).toMatchObject({ reserve: 2000 });
  });

  it("exposure of 2.03× equity is refused under a 2× leverage cap", async () => {
    const eth = { symbol: "ETH/USDT", side: "long" as const, quantity: 7.92, avgEntryPrice: 2_500 };
    const { decision } = await decide(entry(), { positions: [eth], freeQuote: 5_000 }, { maxLeverage: 2, maxPositionPctEquity: 100, maxPortfolioHeatPct: 10 });
    expect(decision.code).toBe("MAX_LEVERAGE");
    expect(decision.data?.leverage).toBeCloseTo(2.03, 6);
  });
});

describe("profit must beat fees", () => {
  it("edge below fees denies a 0.3% take-profit with 0.1% fees", async () => {
    const { decision } = await decide(entry({ takeProfit: 50_150 }));
    expect(decision.code).toBe("EDGE_BELOW_FEES");
    expect(decision.message).toMatch(/^edge below fees/);
    expect(decision.data).toMatchObject({ takeProfitPct: 0.3, roundTripFeesPct: 0.2, requiredPct: 0.7 });
  });

  it("a 1% take-profit beats 0.2% round-trip fees + 0.5% margin", async () => {
    const { decision } = await decide(entry({ takeProfit: 50_500, stopLoss: 49_750 }));
    expect(decision.allowed).toBe(true);
  });

  it("an entry without a take-profit is judged on the default one", async () => {
    const { decision } = await decide(entry({ takeProfit: undefined }), {}, { defaultTakeProfitPct: 0.6 });
    expect(decision.code).toBe("EDGE_BELOW_FEES");
  });
});

describe("slippage guard", () => {
  const book = {
    symbol: "BTC/USDT",
    timestamp: T0 - 1_000,
    bids: [{ price: 49_990, quantity: 0.01 }, { price: 49_000, quantity: 5 }],
    asks: [
      { price: 50_000, quantity: 0.005 },
      { price: 50_100, quantity: 0.005 },
      { price: 50_500, quantity: 1 },
    ],
  };

  it("buying 0.01 BTC fills around 50,050 (0.1% from last): allowed", async () => {
    const { decision } = await decide(entry(), { books: { "BTC/USDT": book } });
    expect(decision.allowed).toBe(true);
    expect(decision.checks.find((c) => c.check === "slippage")?.data).toMatchObject({ expectedFill: 50_050 });
  });

  it("buying 0.05 BTC walks the book to 50,410 (0.82% from last): refused", async () => {
    const { decision } = await decide(entry({ quantity: 0.05 }), { books: { "BTC/USDT": book } }, { maxPositionPctEquity: 30 });
    expect(decision.code).toBe("SLIPPAGE_TOO_HIGH");
    expect(decision.data).toMatchObject({ expectedFill: 50_410 });
  });

  it("a book too thin to fill the order is refused", async () => {
    const thin = { ...book, asks: [{ price: 50_000, quantity: 0.004 }] };
    const { decision } = await decide(entry(), { books: { "BTC/USDT": thin } });
    expect(decision.code).toBe("ORDER_BOOK_TOO_THIN");
  });

  it("a stale book is not trusted: the verdict says slippage was not estimated", async () => {
    const { decision } = await decide(entry({ quantity: 0.05 }), { books: { "BTC/USDT": { ...book, timestamp: T0 - 5 * MIN } } }, { maxPositionPctEquity: 30 });
    expect(decision.allowed).toBe(true);
    expect(decision.checks.find((c) => c.check === "slippage")?.code).toBe("SLIPPAGE_UNCHECKED");
  });

  it("a market exit into a collapsing book still goes out", async () => {
    const crash = { ...book, bids: [{ price: 40_000, quantity: 1 }] };
    const { decision } = await decide(exit(), { positions: [longBtc()], books: { "BTC/USDT": crash } });
    expect(decision.allowed).toBe(true);
  });
});

describe("symbols, hours, pacing", () => {
  it("BTC is refused when only ETH is whitelisted; an exit of BTC is not", async () => {
    const { engine } = await startEngine({ symbolWhitelist: ["ETH/USDT"] });
    expect(engine.evaluate(entry(), context()).code).toBe("SYMBOL_NOT_WHITELISTED");
    expect(engine.evaluate(exit(), context({ positions: [longBtc()] })).allowed).toBe(true);
  });

  it("no entries at 12:xx UTC when hour 12 is a blackout hour; 13:00 is fine", async () => {
    const { engine } = await startEngine({ blackoutHoursUtc: [12] });
    expect(engine.evaluate(entry(), context({ now: T0 + 59 * MIN })).code).toBe("BLACKOUT_HOUR");
    expect(engine.evaluate(entry(), context({ now: T0 + 60 * MIN })).allowed).toBe(true);
  });

  it("two entries 30 s apart: the second waits for the 60 s interval", async () => {
    const { engine } = await startEngine();
    expect(engine.evaluate(entry(), context()).allowed).toBe(true);
    const second = engine.evaluate(entry({ symbol: "ETH/USDT", quantity: 0.2, stopLoss: 2_475, takeProfit: 2_550 }), context({ now: T0 + 30_000 }));
    expect(second.code).toBe("ENTRY_INTERVAL");
    expect(second.data).toMatchObject({ waitSec: 30 });
    expect(engine.evaluate(entry({ symbol: "ETH/USDT", quantity: 0.2, stopLoss: 2_475, takeProfit: 2_550 }), context({ now: T0 + 60_000 })).allowed).toBe(true);
  });

  it("re-evaluating the same order id does not block it against itself", async () => {
    const { engine } = await startEngine();
    const order = entry();
    expect(engine.evaluate(order, context()).allowed).toBe(true);
    expect(engine.evaluate(order, context({ now: T0 + 1_000 })).allowed).toBe(true);
  });

  it("long BTC stopped out, then symbol cooldown blocks re-entry for 300 s", async () => {
    const { engine } = await startEngine();
    const stoppedOut = [{ symbol: "BTC/USDT", pnl: -5.1, closedAt: T0, exitReason: "stop_loss" as const }];
    const at = (s: number) => context({ now: T0 + s * 1000, recentClosedTrades: stoppedOut });
    const early = engine.evaluate(entry(), at(299));
    expect(early.code).toBe("SYMBOL_COOLDOWN");
    expect(early.data).toMatchObject({ waitSec: 1 });
    expect(engine.evaluate(entry({ symbol: "ETH/USDT", quantity: 0.2, stopLoss: 2_475, takeProfit: 2_550 }), at(10)).allowed).toBe(true);
    expect(engine.evaluate(entry(), at(300)).allowed).toBe(true);
  });

  it("trades per day count by the New York calendar: 23:00 New York yesterday does not count", async () => {
    const { engine } = await startEngine({ maxTradesPerDay: 2, timeZone: "America/New_York" });
    // T0 = 07:00 New York. 04:00 UTC is 23:00 New York the previous day.
    const recentEntries = [
      { clientOrderId: "a", symbol: "ETH/USDT", at: Date.UTC(2024, 2, 6, 4) },
      { clientOrderId: "b", symbol: "ETH/USDT", at: Date.UTC(2024, 2, 6, 6) },
    ];
    expect(engine.evaluate(entry(), context({ recentEntries })).allowed).toBe(true);
    const third = engine.evaluate(entry({ symbol: "SOL/USDT", quantity: 5, stopLoss: 99, takeProfit: 102 }), context({ now: T0 + 2 * MIN, recentEntries }));
    expect(third.code).toBe("MAX_TRADES_PER_DAY");
    expect(third.data).toMatchObject({ tradesToday: 2 });
  });
});

describe("exits: only sanity applies", () => {
  it("every entry limit is exceeded, yet a stop-loss exit goes out", async () => {
    const { engine } = await startEngine({
      symbolWhitelist: ["ETH/USDT"],
      blackoutHoursUtc: [12],
      maxOpenPositions: 1,
      maxTradesPerDay: 1,
      maxPositionQuote: 100,
    });
    const ctx = context({
      positions: [longBtc({ quantity: 0.5 }), { symbol: "ETH/USDT", side: "long", quantity: 1, avgEntryPrice: 2_500 }],
      freeQuote: 0,
      recentClosedTrades: [{ symbol: "BTC/USDT", pnl: -1, closedAt: T0 - 1_000 }],
      recentEntries: [{ clientOrderId: "x", symbol: "BTC/USDT", at: T0 - 1_000 }],
      fees: { maker: 0.01, taker: 0.01 },
    });
    const d = engine.evaluate(exit({ quantity: 0.5, exitReason: "stop_loss" }), ctx);
    expect(d.allowed).toBe(true);
    expect(d.checks.map((c) => c.check)).toEqual(["request-sanity", "context-sanity", "trading-state", "exit-sanity", "venue-minimums", "venue-price-band", "venue-market-lot", "venue-algo-orders"]);
  });

  it("an exit larger than the position is refused", async () => {
    const { decision } = await decide(exit({ quantity: 0.02 }), { positions: [longBtc()] });
    expect(decision.code).toBe("EXIT_EXCEEDS_POSITION");
  });

  it("a buy cannot 'exit' a long", async () => {
    const { decision } = await decide(exit({ side: "buy" }), { positions: [longBtc()] });
    expect(decision.code).toBe("NO_POSITION_TO_REDUCE");
    expect(decision.message).toContain("long");
  });

  it("an exit with nothing open is refused", async () => {
    const { decision } = await decide(exit());
    expect(decision.code).toBe("NO_POSITION_TO_REDUCE");
  });

  it("a strategy cannot exit another strategy's position", async () => {
    const { decision } = await decide(exit({ strategyInstanceId: "A" }), { positions: [longBtc({ strategyInstanceId: "B" })] });
    expect(decision.code).toBe("NO_POSITION_TO_REDUCE");
    expect(decision.message).toContain("belongs to strategy instance B");
  });

  it("a strategy's exit reduces its own position, not another strategy's", async () => {
    const positions = [longBtc({ strategyInstanceId: "A", quantity: 0.01 }), longBtc({ strategyInstanceId: "B", quantity: 0.05 })];
    const { decision } = await decide(exit({ strategyInstanceId: "A", quantity: 0.02 }), { positions });
    expect(decision.code).toBe("EXIT_EXCEEDS_POSITION");
    expect(decision.data).toMatchObject({ position: 0.01 });
  });
});

describe("denials are visible", () => {
  it("a denial becomes a risk event carrying the order and the numbers", async () => {
    const sink = new RecordingSink();
    const { engine } = await startEngine({}, { sink });
    const d = engine.evaluate(entry({ clientOrderId: "tk-1", quantity: 0.08, stopLoss: 49_900 }), context());
    const event = sink.events.find((e) => e.kind === "denial")!;
    expect(event.id).toBe(d.eventId);
    expect(event).toMatchObject({ code: "MAX_POSITION_PCT_EQUITY", severity: "warning", timestamp: T0 });
    expect(event.data).toMatchObject({ clientOrderId: "tk-1", symbol: "BTC/USDT", check: "position-size", capQuote: 2000 });
    expect(event.message).toContain("entry buy BTC/USDT refused");
    expect(JSON.parse(JSON.stringify(event))).toEqual(event);
  });
});
