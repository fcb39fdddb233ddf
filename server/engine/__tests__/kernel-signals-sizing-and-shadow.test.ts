import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { EventBus } from "../../core/event-bus";
import { createLogger } from "../../core/logger";
import { DEFAULT_RISK_LIMITS, type RiskLimits } from "../../config/risk-limits";
import { PaperVenue, createGhostVenue, type ExecutionVenue } from "../../execution";
import type { Candle, Instrument, KernelMode, Signal, SignalAction } from "../../model/types";
import type { Strategy } from "../../strategy";
import type { TradingAccount } from "../account";
import { startTestAccount } from "./test-account";
import type { EngineEvents } from "../events";
import { TradingKernel } from "../kernel";
import { sizeEntry } from "../sizing";

/**
 * What the kernel does with a strategy's signal: sizes it by its confidence (Phase 6 plan), says what
 * became of it (executed / blocked / skipped) and, when live is active, books it on paper too.
 */
const SYMBOL = "ETH/USDT";
const ETH: Instrument = { symbol: SYMBOL, base: "ETH", quote: "USDT", tickSize: 0.01, stepSize: 0.0001, minQty: 0.0001, maxQty: 9000, minNotional: 5 };
const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const instruments = new Map([[SYMBOL, ETH]]);
const open = { maxPositionPctEquity: 100, maxPortfolioHeatPct: 100, stablecoinReservePct: 0, minPositionQuote: 5, maxTradeLossPct: 100, minEntryIntervalSec: 0, symbolCooldownSec: 0, minEdgeOverFeesPct: 0, maxSlippagePct: 100 };
const LIMITS: RiskLimits = {
  ...DEFAULT_RISK_LIMITS,
  ...open,
  live: { ...DEFAULT_RISK_LIMITS.live, maxPositionQuote: 1e6, maxTradeLossQuote: 1e6, minEntryIntervalSec: 0, symbolWhitelist: [SYMBOL], blackoutHoursUtc: [], ramp: { ...DEFAULT_RISK_LIMITS.live.ramp, firstCapQuote: 1e6, secondCapQuote: 1e6 } },
};

type Step = { action: SignalAction; confidence?: unknown; takeProfit?: number } | undefined;

/** A strategy that plays a script, one step per closed candle. */
function scripted(id: string, steps: Step[]): Strategy {
  let i = 0;
  return {
    kind: "scripted",
    instanceId: id,
    params: {},
    subscriptions: [{ symbol: SYMBOL, timeframe: "1m", warmupCandles: 0 }],
    warmupCandles: 0,
    warm() {},
    onCandle(candle: Candle): readonly Signal[] {
      const step = steps[i++];
      if (!step) return [];
      const data: Signal["data"] = step.confidence === undefined ? {} : { confidence: step.confidence as number };
      return [{ id: `${id}:${candle.openTime}:${step.action}`, timestamp: candle.openTime + 60_000, strategyInstanceId: id, symbol: SYMBOL, timeframe: "1m", action: step.action, price: candle.close, reason: `scripted ${step.action}`, data, takeProfit: step.takeProfit }];
    },
    snapshot: () => undefined,
    restore() {},
  } as unknown as Strategy;
}

async function setup(options: { active: KernelMode; modes: KernelMode[]; paperVenue?: (v: PaperVenue) => ExecutionVenue }) {
  const clock = new ManualClock(T0);
  const bus = new EventBus<EngineEvents>();
  const logger = createLogger("silent");
  const accounts: TradingAccount[] = [];
  for (const mode of options.modes) {
    const base = { clock, fees: { maker: 0.001, taker: 0.001 }, balances: { USDT: 10_000 }, instruments: instruments.values() };
    const paper = mode === "ghost" ? createGhostVenue({ ...base, id: "ghost" }) : new PaperVenue({ ...base, id: mode === "live" ? "sim-live" : "paper", kind: "paper", slippageBps: mode === "live" ? 8 : 0, latencyMs: 0 });
    const venue = mode === "paper" && options.paperVenue ? options.paperVenue(paper) : paper;
    const account = await startTestAccount({ mode, venue, clock, bus, logger, limits: LIMITS, instruments });
    accounts.push(account);
  }
  const kernel = new TradingKernel({ mode: options.active, clock, bus, logger, accounts, limits: LIMITS, instruments });
  const decided: NonNullable<EngineEvents["signal"]["execution"]>[] = [];
  const signals: EngineEvents["signal"][] = [];
  bus.on("signal", (s) => {
    signals.push(s);
    if (s.execution) decided.push(s.execution);
  });
  const orders = new Map<string, EngineEvents["order"]>();
  bus.on("order", (o) => orders.set(o.clientOrderId, o));
  let price = 2_000;
  const candle = async (close = price) => {
    price = close;
    const openTime = clock.now();
    clock.advance(60_000);
    await kernel.onCandle({ symbol: SYMBOL, timeframe: "1m", openTime, open: close, high: close, low: close, close, volume: 100, closed: true });
    await kernel.idle();
  };
  return { clock, kernel, decided, signals, orders, candle, account: (m: KernelMode) => kernel.accounts.get(m)! };
}

const info = (id: string) => ({ id, name: id, kind: "scripted", capital: 1_000 });

describe("sizing by signal confidence", () => {
  it("a medium-confidence entry takes 0.7× of the size a stated-high one gets, and the order says so", async () => {
    const s = await setup({ active: "paper", modes: ["paper"] });
    s.kernel.addStrategy(info("high"), scripted("high", [undefined, { action: "enter_long", confidence: 0.9 }]));
    s.kernel.addStrategy(info("medium"), scripted("medium", [undefined, { action: "enter_long", confidence: 0.55 }]));
    await s.candle();
    const paper = s.account("paper");
    const ctx = paper.riskContext();
    const full = sizeEntry({ side: "long", price: 2_000, equity: ctx.equity, freeQuote: ctx.freeQuote, limits: paper.risk.limits, capital: 1_000, stopLoss: 2_000 * 0.98, takerFee: 0.001, instrument: ETH });
    await s.candle();
    const entries = [...s.orders.values()].filter((o) => o.intent === "entry");
    const high = entries.find((o) => o.strategyInstanceId === "high")!;
    const medium = entries.find((o) => o.strategyInstanceId === "medium")!;
    expect(high.quantity).toBeCloseTo(full.quantity, 8);
    expect(high.reason).toContain("size 1× (high confidence 0.90)");
    expect(medium.reason).toContain("size 0.7× (medium confidence 0.55)");
    expect(Math.abs(medium.quantity - full.quantity * 0.7)).toBeLessThanOrEqual(ETH.stepSize + full.quantity * 0.001);
  });

  it("a low-confidence entry is sized 0.3×; a signal without confidence keeps the full size and its own reason", async () => {
    const s = await setup({ active: "paper", modes: ["paper"] });
    s.kernel.addStrategy(info("low"), scripted("low", [{ action: "enter_long", confidence: 0.2 }]));
    s.kernel.addStrategy(info("none"), scripted("none", [{ action: "enter_long" }]));
    await s.candle();
    const entries = [...s.orders.values()];
    const low = entries.find((o) => o.strategyInstanceId === "low")!;
    const none = entries.find((o) => o.strategyInstanceId === "none")!;
    expect(none.reason).toBe("scripted enter_long");
    expect(low.reason).toContain("size 0.3× (low confidence 0.20)");
    expect(low.quantity / none.quantity).toBeCloseTo(0.3, 2);
  });

  it("a confidence outside 0..1 is warned about and sized as low, never in full", async () => {
    const s = await setup({ active: "paper", modes: ["paper"] });
    const warnings: string[] = [];
    s.kernel["bus"].on("warning", (w) => warnings.push(w.code));
    s.kernel.addStrategy(info("pct"), scripted("pct", [{ action: "enter_long", confidence: 70 }]));
    await s.candle();
    expect(warnings).toContain("SIGNAL_CONFIDENCE_INVALID");
    expect([...s.orders.values()][0].reason).toContain("size 0.3× (low confidence 0.00)");
  });
});

describe("what became of each signal (signals.execution)", () => {
  it("executed with the sent order's id, skipped with a code when nothing could follow, blocked with the risk engine's reason", async () => {
    const s = await setup({ active: "paper", modes: ["paper"] });
    s.kernel.addStrategy(
      info("ma"),
      scripted("ma", [{ action: "exit_long" }, { action: "enter_long" }, { action: "enter_long" }, { action: "enter_short" }, { action: "exit_long" }, { action: "enter_long", takeProfit: 2_000 * 1.015 }]),
    );
    for (let i = 0; i < 6; i++) await s.candle();
    expect(s.decided.map((d) => [d.status, d.code])).toEqual([
      ["skipped", "NO_POSITION"],
      ["executed", null],
      ["skipped", "POSITION_OPEN"],
      ["skipped", "SHORTS_DISABLED"],
      ["executed", null],
      ["blocked", "REWARD_TO_RISK_LOW"],
    ]);
    const entry = [...s.orders.values()].find((o) => o.intent === "entry")!;
    expect(s.decided[1].clientOrderId).toBe(entry.clientOrderId);
    expect(s.decided[5].message).toMatch(/reward|target/i);
    // Each signal was published twice with the same id: once undecided, once with its execution.
    const byId = new Map<string, number>();
    for (const sig of s.signals) byId.set(sig.id, (byId.get(sig.id) ?? 0) + 1);
    expect([...byId.values()].every((n) => n === 2)).toBe(true);
    expect(s.signals.filter((x) => x.execution === null)).toHaveLength(6);
  });

  it("in ghost mode an entry is skipped as GHOST_MODE: booked on the ghost ledger, nothing sent", async () => {
    const s = await setup({ active: "ghost", modes: ["ghost", "paper"] });
    s.kernel.addStrategy(info("ma"), scripted("ma", [{ action: "enter_long" }]));
    await s.candle();
    expect(s.decided).toEqual([expect.objectContaining({ status: "skipped", code: "GHOST_MODE" })]);
    expect(s.account("ghost").ledger.positions()).toHaveLength(1);
    expect(s.account("paper").ledger.positions()).toHaveLength(0);
  });
});

describe("paper in the shadow of live", () => {
  it("every live entry and exit is booked on the paper ledger too, with the same signal id", async () => {
    const s = await setup({ active: "live", modes: ["ghost", "paper", "live"] });
    s.kernel.addStrategy(info("ma"), scripted("ma", [{ action: "enter_long" }, undefined, { action: "exit_long" }]));
    await s.candle(2_000);
    expect(s.account("live").ledger.positions()).toHaveLength(1);
    expect(s.account("paper").ledger.positions()).toHaveLength(1);
    await s.candle(2_010);
    await s.candle(2_030);
    const orders = [...s.orders.values()];
    const entries = orders.filter((o) => o.intent === "entry");
    expect(entries.map((o) => o.mode).sort()).toEqual(["live", "paper"]);
    expect(new Set(entries.map((o) => o.signalId)).size).toBe(1);
    const exits = orders.filter((o) => o.intent === "exit" && o.status === "filled");
    expect(exits.map((o) => o.mode).sort()).toEqual(["live", "paper"]);
    expect(s.account("live").ledger.positions()).toHaveLength(0);
    expect(s.account("paper").ledger.positions()).toHaveLength(0);
    expect(s.account("ghost").ledger.positions()).toHaveLength(0);
    // The live venue slips 8 bps, paper none: the difference the drift panel shows.
    const live = entries.find((o) => o.mode === "live")!;
    const paper = entries.find((o) => o.mode === "paper")!;
    expect(live.avgFillPrice).toBeGreaterThan(paper.avgFillPrice);
    // The signal's execution is live's order, not the shadow's.
    expect(s.decided[0]).toMatchObject({ status: "executed", clientOrderId: live.clientOrderId });
    expect(s.kernel.stats.orders).toBe(2);
  });

  it("a failing paper venue never touches live: live trades on, the shadow's failure is only logged", async () => {
    const s = await setup({
      active: "live",
      modes: ["paper", "live"],
      paperVenue: (v) =>
        new Proxy(v, {
          get(target, prop) {
            if (prop === "submit") return async () => Promise.reject(new Error("paper venue down"));
            const value = Reflect.get(target, prop, target);
            return typeof value === "function" ? value.bind(target) : value;
          },
        }),
    });
    s.kernel.addStrategy(info("ma"), scripted("ma", [{ action: "enter_long" }, { action: "exit_long" }, { action: "enter_long" }]));
    await s.candle();
    await s.candle();
    await s.candle();
    expect(s.decided.map((d) => d.status)).toEqual(["executed", "executed", "executed"]);
    expect(s.account("live").ledger.positions()).toHaveLength(1);
    expect(s.account("paper").ledger.positions()).toHaveLength(0);
  });

  it("no shadow while paper (or ghost) is the active mode: a live account stays untouched", async () => {
    const s = await setup({ active: "paper", modes: ["paper", "live"] });
    s.kernel.addStrategy(info("ma"), scripted("ma", [{ action: "enter_long" }]));
    await s.candle();
    expect([...s.orders.values()].map((o) => o.mode)).toEqual(["paper"]);
    expect(s.account("live").ledger.positions()).toHaveLength(0);
  });
});
