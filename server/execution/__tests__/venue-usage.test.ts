import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { binanceOrdersPlaced, binanceRequestWeight, VenueUsageGate } from "../venue-usage";

/**
 * Issue 14: the live venue keeps to Binance's published REST limits, reads the usage headers, and
 * after a 429 sends nothing until its Retry-After has passed (so it never earns a 418 ban).
 * A manual clock stands for the real clock; the gate's sleep moves it.
 */

const T = Date.UTC(2026, 0, 5, 10, 0, 0);

function gate(limits = {}, start = T) {
  const clock = new ManualClock(start);
  const slept: number[] = [];
  const g = new VenueUsageGate({ clock, limits, sleep: async (ms) => (slept.push(ms), clock.advance(ms)) });
  return { g, clock, slept };
}

describe("the venue usage gate", () => {
  it("the 91st order in a 10-second window waits for the next window (100 allowed, 10% kept free)", async () => {
    const { g, clock, slept } = gate({}, T + 2_000);
    for (let i = 0; i < 90; i++) g.settle(await g.acquire(1, 1)); // each answered
    expect(slept).toEqual([]);
    await g.acquire(1, 1);
    expect(slept).toHaveLength(1);
    expect(clock.now()).toBeGreaterThanOrEqual(T + 10_000);
    expect(g.snapshot()).toMatchObject({ orderCount10s: 1, waits: 1, tooManyRequests: 0 });
  });

  it("a burst still on its way when the window turns counts in the new window (the venue counts on arrival)", async () => {
    // A loaded machine: 90 orders are sent in the last second of a window and none has been answered
    // when the next window starts. The venue will count them there, so the gate must not send 90 more.
    const { g, clock, slept } = gate({}, T + 9_000);
    const tickets = [];
    for (let i = 0; i < 90; i++) tickets.push(await g.acquire(1, 1));
    clock.set(T + 10_050);
    g.settle(await g.acquire(1, 1));
    expect(slept).toHaveLength(1);
    expect(clock.now()).toBeGreaterThanOrEqual(T + 20_000);
    // Two windows on, the burst has landed (or timed out): it no longer counts, answered or not.
    for (const t of tickets.slice(0, 10)) g.settle(t);
    clock.set(T + 30_000);
    for (let i = 0; i < 90; i++) await g.acquire(1, 1);
    expect(slept).toHaveLength(1);
  });

  it("the venue's reported weight counts, so other clients on the same IP are taken into account", async () => {
    const { g, clock, slept } = gate({}, T + 5_000);
    g.observe(200, { "X-Mbx-Used-Weight-1m": "5390" });
    await g.acquire(5, 0);
    expect(slept).toEqual([]);
    await g.acquire(20, 0);
    expect(slept).toHaveLength(1);
    expect(clock.now()).toBeGreaterThanOrEqual(T + 60_000);
  });

  it("after a 429 nothing is sent until its Retry-After has passed", async () => {
    const { g, clock } = gate({}, T + 1_000);
    g.observe(429, { "Retry-After": "7", "X-Mbx-Used-Weight-1m": "10" });
    expect(g.snapshot().backoffUntil).toBeGreaterThanOrEqual(T + 8_000);
    await g.acquire(1, 0);
    expect(clock.now()).toBeGreaterThanOrEqual(T + 8_000);
    expect(g.snapshot()).toMatchObject({ tooManyRequests: 1, backoffUntil: null });
  });

  it("a 418 ban is waited out too", async () => {
    const { g, clock } = gate({}, T);
    g.observe(418, { "Retry-After": "120" });
    await g.acquire(1, 0);
    expect(clock.now()).toBeGreaterThanOrEqual(T + 120_000);
    expect(g.snapshot().banned).toBe(1);
  });

  it("the limits are the venue's own, read from exchangeInfo", async () => {
    const { g, slept } = gate({}, T + 1_000);
    g.observeExchangeInfo({
      rateLimits: [
        { rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: 1200 },
        { rateLimitType: "ORDERS", interval: "SECOND", intervalNum: 10, limit: 10 },
        { rateLimitType: "ORDERS", interval: "DAY", intervalNum: 1, limit: 1000 },
      ],
    });
    expect(g.limits).toEqual({ requestWeightPerMinute: 1200, ordersPer10s: 10, ordersPerDay: 1000 });
    for (let i = 0; i < 9; i++) g.settle(await g.acquire(1, 1));
    expect(slept).toEqual([]);
    await g.acquire(1, 1);
    expect(slept).toHaveLength(1);
  });

  it("weights and order counts of ccxt's Binance calls", () => {
    expect(binanceRequestWeight("public", "GET", "exchangeInfo")).toBe(20);
    expect(binanceRequestWeight("private", "GET", "openOrders")).toBe(80);
    expect(binanceRequestWeight("private", "GET", "openOrders", { symbol: "BTCUSDT" })).toBe(6);
    expect(binanceRequestWeight("sapi", "GET", "asset/tradeFee")).toBe(0);
    expect(binanceOrdersPlaced("private", "POST", "order")).toBe(1);
    expect(binanceOrdersPlaced("private", "DELETE", "order")).toBe(0);
    expect(binanceOrdersPlaced("private", "POST", "orderList/oco")).toBe(2);
  });
});
