import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { EventBus } from "../../core/event-bus";
import { createLogger } from "../../core/logger";
import { DEFAULT_RISK_LIMITS, type RiskLimits } from "../../config/risk-limits";
import { PaperVenue } from "../../execution";
import type { Candle, Instrument } from "../../model/types";
import { startTestAccount } from "./test-account";
import type { EngineEvents } from "../events";
import { TradingKernel } from "../kernel";

/**
 * After a restart the first ticker may take a while: the warm-up's last candle gives the account a
 * price at once, so a person's market order right after start-up is sized and priced, not refused
 * with "no last price". A live price is never replaced by an older warm-up candle.
 */
const SYMBOL = "ETH/USDT";
const ETH: Instrument = { symbol: SYMBOL, base: "ETH", quote: "USDT", tickSize: 0.01, stepSize: 0.0001, minQty: 0.0001, maxQty: 9000, minNotional: 5 };
const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const LIMITS: RiskLimits = { ...DEFAULT_RISK_LIMITS, minEntryIntervalSec: 0, symbolCooldownSec: 0, minPositionQuote: 5, maxPositionPctEquity: 100, stablecoinReservePct: 0 };

/** A paper venue standing in for a live one (which prices its own orders) where the test needs that kind. */
function venueOfKind(kind: "paper" | "live", venue: PaperVenue): PaperVenue {
  if (kind === "live") Object.defineProperty(venue, "kind", { value: "live" });
  return venue;
}

async function setup(venueKind: "paper" | "live" = "paper") {
  const clock = new ManualClock(T0);
  const bus = new EventBus<EngineEvents>();
  const logger = createLogger("silent");
  const instruments = new Map([[SYMBOL, ETH]]);
  const base = { clock, fees: { maker: 0.001, taker: 0.001 }, balances: { USDT: 10_000 }, instruments: instruments.values() };
  const account = await startTestAccount({ mode: venueKind, venue: venueOfKind(venueKind, new PaperVenue({ ...base, id: venueKind === "live" ? "sim-live" : "paper", slippageBps: 0, latencyMs: 0 })), clock, bus, logger, limits: LIMITS, instruments });
  const kernel = new TradingKernel({ mode: venueKind, clock, bus, logger, accounts: [account], limits: LIMITS, instruments });
  /** The next closed minute at `close`: the paper venue fills what is working against it. */
  const feed = async (close: number) => {
    const openTime = clock.now();
    clock.advance(60_000);
    await kernel.onCandle({ symbol: SYMBOL, timeframe: "1m", openTime, open: close, high: close, low: close, close, volume: 1_000, closed: true });
    await kernel.idle();
  };
  return { kernel, account, feed };
}

const candle = (minutesAgo: number, close: number): Candle => ({ symbol: SYMBOL, timeframe: "1m", openTime: T0 - (minutesAgo + 1) * 60_000, open: close, high: close, low: close, close, volume: 10, closed: true });

describe("prices from the warm-up", () => {
  it("live: a manual market order right after start-up is priced from the last warm-up candle (the venue prices it)", async () => {
    const { kernel, account } = await setup("live");
    kernel.warm(candle(2, 1_990));
    kernel.warm(candle(1, 2_010));
    expect(account.lastPrices.get(SYMBOL)).toBe(2_010);
    const result = await kernel.placeManualOrder({ symbol: SYMBOL, side: "buy", type: "market", quantity: 0.02, actor: "owner" });
    expect(result.decision.allowed, result.decision.message).toBe(true);
  });

  it("live: a price that arrived during the warm-up is not replaced by an older candle", async () => {
    const { kernel, account } = await setup("live");
    kernel.warm(candle(3, 1_980));
    kernel.onPrice(SYMBOL, 2_050, T0);
    kernel.warm(candle(1, 2_000));
    expect(account.lastPrices.get(SYMBOL)).toBe(2_050);
  });

  it("a warm-up candle arriving after an entry does not touch the position (its old high must not arm a trailing stop)", async () => {
    const { kernel, account, feed } = await setup("live");
    kernel.onPrice(SYMBOL, 2_000, T0);
    const entry = await kernel.placeManualOrder({ symbol: SYMBOL, side: "buy", type: "market", quantity: 0.02, actor: "owner" });
    expect(entry.decision.allowed, entry.decision.message).toBe(true);
    await feed(2_000);
    await expect.poll(() => account.ledger.openPositionsOf(SYMBOL).length).toBe(1);
    const before = account.ledger.unrealizedPnl();
    // As after a restart or with the warm-up in the background: no live price known yet for the symbol.
    account.lastPrices.delete(SYMBOL);
    kernel.warm(candle(30, 2_300));
    expect(account.ledger.unrealizedPnl()).toBe(before);
  });

  it("paper: an order before the first live price is refused by risk, not sent to a venue that cannot fill it", async () => {
    const { kernel } = await setup("paper");
    kernel.warm(candle(1, 2_010));
    const result = await kernel.placeManualOrder({ symbol: SYMBOL, side: "buy", type: "market", quantity: 0.05, actor: "owner" });
    expect(result.decision.allowed).toBe(false);
    expect(result.order).toBeUndefined();
  });
});

describe("a person's order that reduces their own position", () => {
  async function holding(quantity: number) {
    const s = await setup();
    s.kernel.onPrice(SYMBOL, 2_000, T0);
    const entry = await s.kernel.placeManualOrder({ symbol: SYMBOL, side: "buy", type: "market", quantity, actor: "owner" });
    expect(entry.decision.allowed, entry.decision.message).toBe(true);
    await s.feed(2_000);
    await expect.poll(() => s.account.ledger.openPositionsOf(SYMBOL)[0]?.quantity ?? 0).toBeGreaterThan(0);
    return s;
  }

  it("a market sell of part of a manual long sells that part and leaves the rest open", async () => {
    const s = await holding(0.1);
    const held = s.account.ledger.openPositionsOf(SYMBOL)[0].quantity;
    const result = await s.kernel.placeManualOrder({ symbol: SYMBOL, side: "sell", type: "market", quantity: 0.04, actor: "owner" });
    expect(result.decision.allowed, result.decision.message).toBe(true);
    await s.feed(2_000);
    await expect.poll(() => s.account.ledger.openPositionsOf(SYMBOL)[0]?.quantity).toBeCloseTo(held - 0.04, 8);
    await s.feed(2_001);
    await s.kernel.idle();
    await s.account.idle();
    expect(s.account.ledger.openPositionsOf(SYMBOL)[0]?.quantity).toBeCloseTo(held - 0.04, 8);
  });

  it("a limit sell of part of a manual long, once filled, leaves the rest open", async () => {
    const s = await holding(0.1);
    const held = s.account.ledger.openPositionsOf(SYMBOL)[0].quantity;
    const result = await s.kernel.placeManualOrder({ symbol: SYMBOL, side: "sell", type: "limit", quantity: 0.03, price: 2_010, actor: "owner" });
    expect(result.decision.allowed, result.decision.message).toBe(true);
    // The market trades through the limit: it fills; the exit guard must not sell the remainder.
    await s.feed(2_020);
    await expect.poll(() => s.account.ledger.openPositionsOf(SYMBOL)[0]?.quantity).toBeCloseTo(held - 0.03, 8);
    await s.feed(2_021);
    await s.kernel.idle();
    await s.account.idle();
    expect(s.account.ledger.openPositionsOf(SYMBOL)[0]?.quantity).toBeCloseTo(held - 0.03, 8);
  });

  it("a market sell of the whole manual long closes it", async () => {
    const s = await holding(0.1);
    const held = s.account.ledger.openPositionsOf(SYMBOL)[0].quantity;
    const result = await s.kernel.placeManualOrder({ symbol: SYMBOL, side: "sell", type: "market", quantity: held, actor: "owner" });
    expect(result.decision.allowed, result.decision.message).toBe(true);
    await s.feed(2_000);
    await expect.poll(() => s.account.ledger.openPositionsOf(SYMBOL).length).toBe(0);
  });
});
