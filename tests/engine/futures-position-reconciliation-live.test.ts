import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ccxt from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema, type AppConfig } from "../../server/config";
import { createLogger } from "../../server/core/logger";
import { openDatabase, type Database } from "../../server/db/database";
import type { EngineRuntime } from "../../server/engine/runtime";
import { composeEngine } from "../../server/composition/engine";
import { getReconciliation } from "../../server/golive/service";
import { futuresUrls } from "../../server/simulator/futures/urls";
import { permissiveEntryLimits } from "./fixtures/live-rules";

/**
 * Issue 15: the live futures account's reconciliation (the one run at start-up and on demand, and the
 * reconciliation panel) compares the ledger's perp positions with the venue's positionRisk. A short
 * the bot opened matches; more short sent by hand at the venue is a warning finding ("unknown" on the
 * panel); the venue closed by hand while the ledger still holds the short is a critical finding
 * ("missing", mark it closed). No finding about BTC balances a futures account never holds.
 */
const BTC = "BTC/USDT:USDT";
const dataDir = mkdtempSync(path.join(tmpdir(), "tk-fut-recon-"));
const logger = createLogger(process.env.TEST_LOG === "1" ? "debug" : "silent");

function testConfig(): AppConfig {
  return configSchema.parse({
    server: { dataDir },
    database: {},
    venue: { id: "simulator" },
    simulator: { speed: 1, seed: 13, historyDays: 0.05, symbols: ["BTC/USDT"] },
    trading: { mode: "live", market: "futures", symbols: [BTC], autoStart: false },
    risk: { ...permissiveEntryLimits([BTC], { maxOpenPositions: 2, maxOpenPositionsPerSymbol: 1, maxTradesPerDay: 100 }), maxLeverage: 2, minStopLiquidationDistancePct: 0 },
    auth: {},
  });
}

let db: Database;
let engine: EngineRuntime;

beforeAll(async () => {
  db = await openDatabase({ dataDir });
  engine = await composeEngine({ config: testConfig(), db, logger });
  await engine.start();
}, 60_000);

afterAll(async () => {
  await engine?.stop().catch(() => {});
  await db?.close().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

describe("futures position reconciliation, live on the simulator", () => {
  it("matches the bot's short, flags a short added by hand as unknown and a short closed by hand as missing", async () => {
    const live = engine.kernel.accounts.get("live")!;
    const sim = engine.simulator!;
    const usdm = new ccxt.binanceusdm({ ...sim.defaultAccount, enableRateLimit: false, options: { fetchCurrencies: false, fetchMargins: false, adjustForTimeDifference: false } });
    usdm.urls = futuresUrls(usdm.urls as Record<string, unknown>, sim.restUrl) as typeof usdm.urls;
    await usdm.loadMarkets();
    const positionFindings = async () => ((await engine.reconcileBalances()).findings ?? []).filter((f) => f.symbol === BTC || f.asset === "BTC");
    const panelRow = async () => (await getReconciliation(engine as never, db.prisma)).rows.filter((r) => r.symbol === BTC || r.asset === "BTC");
    try {
      const btc = sim.lastPrice("BTC/USDT");
      const qty = Math.ceil((150 / btc) * 1000) / 1000;
      const extra = Math.ceil((120 / btc) * 1000) / 1000;
      const short = await engine.kernel.placeManualOrder({ symbol: BTC, side: "sell", type: "market", quantity: qty, stopLoss: btc * 1.05, takeProfit: btc * 0.8, actor: "test" } as never);
      expect(short.decision.allowed, short.decision.message).toBe(true);
      await expect.poll(() => live.ledger.positions().length, { timeout: 10_000 }).toBe(1);

      expect(await positionFindings()).toEqual([]);
      // The USDT wallet agrees while the short is open: the ledger's cash plus the short's entry value is
      // the venue's wallet balance (no false "the bot counts holdings that are not there").
      expect((await engine.reconcileBalances()).findings).toEqual([]);
      expect((await panelRow()).map((r) => [r.key, r.status])).toEqual([[`position:${BTC}`, "matched"]]);

      // More short at the venue than the ledger knows.
      await usdm.createOrder(BTC, "market", "sell", extra);
      const unknown = await positionFindings();
      expect(unknown).toHaveLength(1);
      expect(unknown[0]).toMatchObject({ severity: "warning", symbol: BTC });
      expect(unknown[0].message).toMatch(/does not know/);
      expect((await panelRow()).map((r) => [r.key, r.status, r.actions])).toEqual([[`position:${BTC}`, "unknown", ["ignore"]]]);

      // Closed by hand at the venue: the ledger still holds a short the venue no longer has.
      await usdm.createOrder(BTC, "market", "buy", Math.round((qty + extra) * 1000) / 1000, undefined, { reduceOnly: true });
      const missing = await positionFindings();
      expect(missing).toHaveLength(1);
      expect(missing[0]).toMatchObject({ severity: "critical", symbol: BTC });
      expect(engine.reconciliation.status).toBe("degraded");
      const rows = await panelRow();
      expect(rows.map((r) => [r.key, r.status, r.actions])).toEqual([[`position:${BTC}`, "missing", ["mark_closed"]]]);
      expect(rows[0].positionIds).toEqual(live.ledger.positions().map((p) => p.id));
    } finally {
      await usdm.close();
    }
  }, 60_000);
});
