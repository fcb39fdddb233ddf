import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/database";
import { computeDrift, loadDrift, slippageBps } from "../drift";
import { orderRow, throwawayDatabase, T0, tradeRow } from "./db";

let db: Database;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ db, close } = await throwawayDatabase());
}, 120_000);
afterAll(async () => close?.());

const MIN = 60_000;

/**
 * 30 simulated minutes of live-on-simulator with paper in its shadow: three entry signals, each
 * booked on both ledgers. Live fills a little worse and a little later; the third signal's live order
 * was rejected by the venue while paper filled it.
 */
async function seed() {
  const p = db.prisma;
  const signals = [
    { id: "sig_a", price: 50_000, at: T0 },
    { id: "sig_b", price: 51_000, at: T0 + 10 * MIN },
    { id: "sig_c", price: 50_500, at: T0 + 20 * MIN },
  ];
  for (const s of signals) {
    await p.signal.create({ data: { id: s.id, mode: "live", strategyInstanceId: "ma", symbol: "BTC/USDT", timeframe: "5m", action: "enter_long", price: String(s.price), reason: "x", data: {}, timestamp: new Date(s.at) } });
  }
  const legs = [
    { id: "pa", mode: "paper", signal: "sig_a", fill: 50_000, fee: 0.05, delay: 0, pnl: 1.2 },
    { id: "la", mode: "live", signal: "sig_a", fill: 50_025, fee: 0.05, delay: 800, pnl: 1.1 },
    { id: "pb", mode: "paper", signal: "sig_b", fill: 51_000, fee: 0.05, delay: 0, pnl: -0.6 },
    { id: "lb", mode: "live", signal: "sig_b", fill: 51_051, fee: 0.06, delay: 1_500, pnl: -0.75 },
    { id: "pc", mode: "paper", signal: "sig_c", fill: 50_500, fee: 0.05, delay: 0, pnl: 0.4 },
  ];
  for (const l of legs) {
    const at = signals.find((s) => s.id === l.signal)!.at;
    await p.order.create({ data: orderRow({ id: l.id, mode: l.mode, signalId: l.signal, avgFillPrice: l.fill, fee: l.fee, createdAt: at }) });
    await p.fill.create({ data: { id: `f_${l.id}`, clientOrderId: l.id, venueTradeId: `vt_${l.id}`, symbol: "BTC/USDT", side: "buy", price: String(l.fill), quantity: "0.001", fee: String(l.fee), liquidity: "taker", timestamp: new Date(at + l.delay) } });
    await p.trade.create({ data: tradeRow({ mode: l.mode, pnl: l.pnl, entryOrderId: l.id, closedAt: at + 5 * MIN }) });
  }
  await p.order.create({ data: orderRow({ id: "lc", mode: "live", signalId: "sig_c", status: "rejected", filled: 0, createdAt: signals[2].at }) });
}

describe("drift: what paper did not tell you", () => {
  it("per trade: slippage in bps, fees, fill delay, the order that filled on paper only, and the P&L gap", async () => {
    await seed();
    const report = await loadDrift(db.prisma, { from: T0, to: T0 + 30 * MIN });
    expect(report.rows.map((r) => r.signalId)).toEqual(["sig_a", "sig_b", "sig_c"]);
    const [a, b, c] = report.rows;
    expect(a.legs.paper).toMatchObject({ filled: true, slippageBps: 0, delayMs: 0, pnl: 1.2 });
    expect(a.legs.live).toMatchObject({ filled: true, fillPrice: 50_025, slippageBps: 5, delayMs: 800, pnl: 1.1 });
    expect(a.pnlGap).toBeCloseTo(-0.1, 8);
    expect(b.legs.live).toMatchObject({ slippageBps: 10, fee: 0.06, delayMs: 1_500 });
    expect(b.cumulativeGap).toBeCloseTo(-0.25, 8);
    expect(c.filledOnlyIn).toBe("paper");
    expect(c.legs.live).toMatchObject({ filled: false, status: "rejected", slippageBps: null });
    expect(report.filledOnlyIn).toEqual({ paper: 1 });
    expect(report.byMode.live).toMatchObject({ orders: 3, filled: 2, slippageBps: { mean: 7.5, p50: 5, max: 10 }, delayMs: { mean: 1150 } });
    expect(report.byMode.paper).toMatchObject({ orders: 3, filled: 3, slippageBps: { mean: 0 } });
    expect(report.cumulativeGap).toBeCloseTo(-0.25, 8);
    expect(report.slippageHistogram).toEqual([
      { bucketBps: 0, paper: 3, live: 0 },
      { bucketBps: 5, paper: 0, live: 1 },
      { bucketBps: 10, paper: 0, live: 1 },
    ]);
  }, 60_000);

  it("the window is honoured: only signals inside [from, to) are compared", async () => {
    const report = await loadDrift(db.prisma, { from: T0 + 5 * MIN, to: T0 + 15 * MIN });
    expect(report.rows.map((r) => r.signalId)).toEqual(["sig_b"]);
  });

  it("slippage is signed by side: a sell filled below the signal price is worse, not better", () => {
    expect(slippageBps("sell", 100, 99.9)).toBeCloseTo(10, 8);
    expect(slippageBps("buy", 100, 99.9)).toBeCloseTo(-10, 8);
    const r = computeDrift({ from: 0, to: 1, signals: [{ id: "s", symbol: "X/USDT", action: "enter_short", price: 100, at: 0 }], orders: [{ mode: "live", signalId: "s", side: "sell", status: "filled", filledQuantity: 1, avgFillPrice: 99.9, fee: 0, createdAt: 0, firstFillAt: 10, tradePnl: null }] });
    expect(r.rows[0]).toMatchObject({ side: "sell", filledOnlyIn: "live", pnlGap: null });
    expect(r.rows[0].legs.live!.slippageBps).toBeCloseTo(10, 8);
  });
});
