import type { Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditLog, type AuditLog } from "../../auth/audit";
import type { Database } from "../../db/database";
import { createExchange } from "../../market/exchange";
import { Ledger, sequentialLedgerIds } from "../../portfolio/ledger";
import { startSimulator, type SimulatorHandle } from "../../simulator";
import { applyReconciliationAction, computeReconciliationPanel, type IgnoredHolding, type ReconciliationPorts } from "../reconciliation";
import { throwawayDatabase } from "./db";

/**
 * Live on the simulator: the venue account starts with 10,000 USDT and 0.05 BTC the bot never bought
 * (the owner ignores those: not the bot's). Then the owner buys 0.01 BTC by hand on the venue; the
 * panel shows it as "unknown", the owner adopts it with a stop, and both decisions are in the audit log.
 */
const START = Date.UTC(2025, 4, 6, 14, 0, 0);
const instruments = [
  { symbol: "BTC/USDT", base: "BTC", quote: "USDT", stepSize: 0.00001 },
  { symbol: "ETH/USDT", base: "ETH", quote: "USDT", stepSize: 0.0001 },
];

let sim: SimulatorHandle;
let hand: Exchange;
let db: Database;
let close: () => Promise<void>;
let audit: AuditLog;
const ledger = new Ledger({ mode: "live", startingCash: 10_000, ids: sequentialLedgerIds("live-") });
const ignored: IgnoredHolding[] = [];

beforeAll(async () => {
  ({ db, close } = await throwawayDatabase());
  audit = createAuditLog({ prisma: db.prisma });
  sim = await startSimulator({ seed: 5, historyDays: 0, startTime: START, manualClock: true, symbols: ["BTC/USDT", "ETH/USDT"] });
  hand = await createExchange({ id: "simulator" }, { simulator: sim });
  await hand.loadMarkets();
}, 120_000);

afterAll(async () => {
  await hand?.close();
  await sim?.close();
  await close?.();
});

/** The ports over the ledger (what the engine implements for the live account). */
const ports: ReconciliationPorts = {
  async adopt({ symbol, quantity, price, stopLoss, reason }) {
    const id = `adopt-${symbol}-${quantity}`;
    const out = ledger.applyFill({ clientOrderId: id, venueTradeId: id, symbol, side: "buy", price, quantity, fee: 0, liquidity: "taker", timestamp: sim.now() }, { stopLoss, reason });
    return { positionId: out.position!.id };
  },
  close: async () => ({ orderId: "none" }),
  markClosed: async () => {},
  cancel: async () => {},
  ignore: async (entry) => void ignored.push(entry),
  lastPrice: (symbol) => sim.lastPrice(symbol),
  audit: async (entry) => void (await audit.appendAudit(entry)),
};

async function panel() {
  const balance = await hand.fetchBalance();
  const venueBalances = Object.entries(balance.total as unknown as Record<string, number>).map(([asset, total]) => ({
    asset,
    free: Number(balance.free[asset as never] ?? total),
    locked: Number(balance.used[asset as never] ?? 0),
  }));
  return computeReconciliationPanel({
    at: sim.now(),
    quoteCurrency: "USDT",
    venueBalances,
    ledgerPositions: ledger.positions().map((p) => ({ id: p.id, symbol: p.symbol, side: p.side, quantity: p.quantity })),
    venueOpenOrders: [],
    ledgerOpenOrders: [],
    instruments,
    ignored,
  });
}

describe("reconciliation panel on the simulator", () => {
  it("BTC the bot never bought shows as unknown; ignoring it is audited", async () => {
    const first = await panel();
    const btc = first.rows.find((r) => r.key === "asset:BTC")!;
    expect(btc).toMatchObject({ status: "unknown", venue: 0.05, ledger: 0, quantity: 0.05, actions: ["adopt", "close", "ignore"] });
    expect(first.ok).toBe(false);
    await applyReconciliationAction(first, { key: "asset:BTC", action: "ignore", reason: "held before the bot" }, "user:owner", ports);
    expect((await panel()).rows.find((r) => r.key === "asset:BTC")).toMatchObject({ status: "ignored" });
  }, 60_000);

  it("BTC bought by hand at the venue is unknown beside the ignored part, and adopting it books it with the chosen stop", async () => {
    const bought = await hand.createOrder("BTC/USDT", "market", "buy", 0.01);
    const received = 0.01 - bought.fee!.cost!; // the commission was taken in BTC
    const before = await panel();
    const btc = before.rows.find((r) => r.key === "asset:BTC")!;
    expect(btc.status).toBe("unknown");
    expect(btc.quantity).toBeCloseTo(received, 8);
    expect(btc.message).toContain("beside 0.05 ignored");

    const price = sim.lastPrice("BTC/USDT");
    await expect(applyReconciliationAction(before, { key: "asset:BTC", action: "adopt" }, "user:owner", ports)).rejects.toMatchObject({ code: "ADOPT_STOP_REQUIRED" });
    const done = await applyReconciliationAction(before, { key: "asset:BTC", action: "adopt", stopLoss: price * 0.98 }, "user:owner", ports);
    expect(done).toMatchObject({ action: "adopt", price, stopLoss: price * 0.98 });
    const position = ledger.getPosition("BTC/USDT")!;
    expect(position.quantity).toBeCloseTo(received, 8);
    expect(position.stopLoss).toBeCloseTo(price * 0.98, 6);

    const after = await panel();
    expect(after.rows.find((r) => r.key === "asset:BTC")).toMatchObject({ status: "ignored" });
    await expect(applyReconciliationAction(after, { key: "asset:BTC", action: "ignore" }, "user:owner", ports)).rejects.toMatchObject({ code: "RECONCILIATION_ACTION_INVALID" });
  }, 60_000);

  it("every decision is in the audit log, with who, what and the numbers", async () => {
    const { items } = await audit.list({ limit: 10 });
    const actions = items.map((i) => i.action).reverse();
    expect(actions).toEqual(["reconciliation.ignore", "reconciliation.adopt"]);
    const adopt = items.find((i) => i.action === "reconciliation.adopt")!;
    expect(adopt.actor).toBe("user:owner");
    expect(adopt.data).toMatchObject({ key: "asset:BTC", status: "unknown", stopLoss: expect.any(Number), positionId: expect.any(String) });
    expect((await audit.verify()).ok).toBe(true);
  });
});
