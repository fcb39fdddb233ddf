import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema, SIMULATOR_SYMBOLS } from "../../server/config";
import { composeEngine } from "../../server/composition/engine";
import { createLogger } from "../../server/core/logger";
import { openDatabase, type Database } from "../../server/db/database";
import type { EngineRuntime } from "../../server/engine/runtime";
import { createExchange } from "../../server/market/exchange";
import type { Candle, Signal } from "../../server/model/types";
import type { CandleContext, Strategy } from "../../server/strategy";
import { getDrift, getReconciliation, actOnReconciliation } from "../../server/golive/service";
import { reconciliationEnginePorts } from "../../server/golive/engine-ports";
import { permissiveEntryLimits } from "../engine/fixtures/live-rules";

/**
 * Issue 16, "Done when", last bullet: live on the simulator with paper in its shadow for 30 simulated
 * minutes; the drift report then compares every trade both booked, and BTC bought by hand at the venue
 * shows as "unknown" on the reconciliation panel and is adopted as a ledger position.
 */
const dataDir = mkdtempSync(path.join(tmpdir(), "tk-shadow-"));
const logger = createLogger("silent");
const MIN = 60_000;
let db: Database;
let engine: EngineRuntime;
let hand: Exchange;
const audits: { actor: string; action: string; data: Record<string, unknown> }[] = [];

/** Buys when flat, sells two candles later: a round trip every three minutes. */
function roundTrips(id: string, symbol: string): Strategy {
  let held = 0;
  return {
    kind: "round-trips",
    instanceId: id,
    params: {},
    subscriptions: [{ symbol, timeframe: "1m", warmupCandles: 0 }],
    warmupCandles: 0,
    warm() {},
    onCandle(candle: Candle, ctx: CandleContext): readonly Signal[] {
      const base = { timestamp: ctx.now, strategyInstanceId: id, symbol, timeframe: "1m" as const, price: candle.close, data: { confidence: 0.9 } };
      if (ctx.position === "none") {
        held = 0;
        return [{ ...base, id: `${id}:${candle.openTime}:in`, action: "enter_long", reason: "round trip: in" }];
      }
      held += 1;
      return held >= 2 ? [{ ...base, id: `${id}:${candle.openTime}:out`, action: "exit_long", reason: "round trip: out" }] : [];
    },
    snapshot: () => undefined,
    restore() {},
  } as unknown as Strategy;
}

beforeAll(async () => {
  db = await openDatabase({ dataDir });
  const config = configSchema.parse({
    server: { dataDir },
    database: {},
    venue: { id: "simulator" },
    simulator: { speed: 120, seed: 11, historyDays: 0.05, symbols: [...SIMULATOR_SYMBOLS] },
    trading: { mode: "live", symbols: [...SIMULATOR_SYMBOLS], autoStart: false },
    // The rulebook opened up: this test is about the shadow and the panels, not the entry checks.
    // Three losing round trips in a row would (rightly) put live in REDUCING: not what this test is about.
    risk: { ...permissiveEntryLimits(SIMULATOR_SYMBOLS, { maxOpenPositions: 10, maxOpenPositionsPerSymbol: 2, maxTradesPerDay: 1000 }), maxConsecutiveLosses: 1000 },
    auth: {},
  });
  engine = await composeEngine({ config, db, logger });
  await engine.start();
  hand = await createExchange({ id: "simulator" }, { simulator: engine.simulator! });
  await hand.loadMarkets();
}, 180_000);

afterAll(async () => {
  await hand?.close();
  await engine?.stop().catch(() => {});
  await db?.close().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

describe("live on the simulator with paper in its shadow", () => {
  it("after 30 simulated minutes the drift report shows each trade in both modes, with its differences", async () => {
    expect(engine.kernel.mode).toBe("live");
    const from = engine.clock.now();
    engine.kernel.addStrategy({ id: "rt", name: "round trips", kind: "round-trips", capital: 200 }, roundTrips("rt", "ETH/USDT"));
    // At least 30 simulated minutes and five trades in both modes: on a busy machine the simulated half hour
    // can pass with fewer signals handled, so wait for the trades themselves.
    const tradesInBothModes = async () => {
      await engine.persistence.flush();
      const drift = await getDrift(engine, db.prisma, { from, to: engine.clock.now() + 1 });
      return drift.rows.filter((r) => r.legs.live?.filled && r.legs.paper?.filled).length;
    };
    await expect.poll(() => engine.clock.now() - from, { timeout: 90_000, interval: 200 }).toBeGreaterThanOrEqual(30 * MIN);
    await expect.poll(tradesInBothModes, { timeout: 240_000, interval: 1000 }).toBeGreaterThanOrEqual(5);
    engine.kernel.removeStrategy("rt");
    await engine.kernel.idle();
    // Whatever is still open is closed in both ledgers, so every row has its P&L.
    for (const mode of ["live", "paper"] as const) {
      const account = engine.kernel.accounts.get(mode)!;
      for (const p of account.ledger.positions().filter((x) => x.strategyInstanceId === "rt")) await engine.kernel.closePosition(p.id, "test");
    }
    await engine.kernel.idle();
    await expect.poll(() => engine.kernel.accounts.get("paper")!.ledger.positions().filter((p) => p.strategyInstanceId === "rt").length, { timeout: 10_000 }).toBe(0);
    await engine.persistence.flush();

    const report = await getDrift(engine, db.prisma, { from, to: engine.clock.now() + 1 });
    const both = report.rows.filter((r) => r.legs.live && r.legs.paper);
    expect(both.length).toBeGreaterThanOrEqual(5);
    for (const row of both) {
      expect(row.legs.live!.filled).toBe(true);
      expect(row.legs.paper!.filled).toBe(true);
      expect(row.legs.live!.slippageBps).toEqual(expect.any(Number));
      expect(row.legs.paper!.slippageBps).toEqual(expect.any(Number));
      expect(row.pnlGap).toEqual(expect.any(Number));
    }
    // Same signals, different fills: at least one trade's price, fee or P&L differs between the two.
    expect(both.some((r) => r.legs.live!.fillPrice !== r.legs.paper!.fillPrice || r.legs.live!.fee !== r.legs.paper!.fee || r.pnlGap !== 0)).toBe(true);
    expect(report.byMode.live?.filled).toBeGreaterThanOrEqual(both.length);
    const last = report.rows[report.rows.length - 1];
    expect(report.cumulativeGap).toBeCloseTo(last.cumulativeGap, 8);
    // The signals say what became of them: the live order is the execution, not the shadow's.
    const signal = await db.prisma.signal.findUnique({ where: { id: both[0].signalId } });
    const liveOrder = await db.prisma.order.findFirst({ where: { signalId: both[0].signalId, mode: "live", intent: "entry" } });
    expect(signal).toMatchObject({ executionStatus: "executed", executionOrderId: liveOrder!.clientOrderId });
  }, 300_000);

  it("BTC bought by hand at the venue shows as unknown, and adopting it books a ledger position with the stop", async () => {
    const live = engine.kernel.accounts.get("live")!;
    await hand.createOrder("BTC/USDT", "market", "buy", 0.01);
    const panel = await getReconciliation(engine, db.prisma);
    const btc = panel.rows.find((r) => r.key === "asset:BTC")!;
    expect(btc.status).toBe("unknown");
    expect(btc.venue).toBeGreaterThan(btc.ledger);
    const price = live.lastPrices.get("BTC/USDT")!;
    const done = await actOnReconciliation(engine, db.prisma, { key: "asset:BTC", action: "adopt", stopLoss: price * 0.97, reason: "bought by hand" }, "user:owner", {
      audit: async (e) => void audits.push(e),
      enginePorts: reconciliationEnginePorts(engine.kernel),
    });
    expect(done).toMatchObject({ action: "adopt", positionId: expect.any(String) });
    const position = live.ledger.positions().find((p) => p.symbol === "BTC/USDT")!;
    expect(position.quantity).toBeCloseTo(btc.quantity, 8);
    expect(position.stopLoss).toBeCloseTo(price * 0.97, 6);
    // Durable like a fill: the order and the fill are stored.
    const stored = await db.prisma.fill.findMany({ where: { symbol: "BTC/USDT", clientOrderId: { startsWith: "recon-adopt-" } } });
    expect(stored).toHaveLength(1);
    const after = await getReconciliation(engine, db.prisma);
    expect(after.rows.find((r) => r.key === "asset:BTC")).toMatchObject({ status: "matched" });
    expect(audits.map((a) => a.action)).toEqual(["reconciliation.adopt"]);
  }, 60_000);

  it("marking the adopted position closed (sold by hand) closes it in the ledger with the reason", async () => {
    const live = engine.kernel.accounts.get("live")!;
    const balance = await hand.fetchBalance();
    await hand.createOrder("BTC/USDT", "market", "sell", Number((balance.free as unknown as Record<string, number>).BTC.toFixed(5)));
    const panel = await getReconciliation(engine, db.prisma);
    const btc = panel.rows.find((r) => r.key === "asset:BTC")!;
    expect(btc.status).toBe("missing");
    await actOnReconciliation(engine, db.prisma, { key: "asset:BTC", action: "mark_closed", reason: "sold by hand on the exchange" }, "user:owner", {
      audit: async (e) => void audits.push(e),
      enginePorts: reconciliationEnginePorts(engine.kernel),
    });
    expect(live.ledger.positions().filter((p) => p.symbol === "BTC/USDT")).toHaveLength(0);
    await engine.persistence.flush();
    const trade = await db.prisma.trade.findFirst({ where: { mode: "live", symbol: "BTC/USDT" }, orderBy: { closedAt: "desc" } });
    expect(trade).toMatchObject({ exitReason: "manual" });
    expect(audits.map((a) => a.action)).toEqual(["reconciliation.adopt", "reconciliation.mark_closed"]);
  }, 60_000);
});
