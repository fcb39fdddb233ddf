import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ccxt from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema, type AppConfig } from "../../server/config";
import { createLogger } from "../../server/core/logger";
import { openDatabase, type Database } from "../../server/db/database";
import { SettingsRepository } from "../../server/db/repositories/settings-store";
import type { EngineRuntime } from "../../server/engine/runtime";
import type { EngineEvents } from "../../server/engine";
import { composeEngine } from "../../server/composition/engine";
import { restoreLedger } from "../../server/composition/accounts";
import type { RiskEvent } from "../../server/risk";
import { futuresUrls } from "../../server/simulator/futures/urls";
import { permissiveEntryLimits } from "./fixtures/live-rules";

/**
 * Issue 15: the venue liquidates a position itself. The bot trades BTC perps in cross margin (its own
 * liquidation estimate, on the whole wallet, is far away), but the venue's margin was switched to
 * isolated by hand before the short was opened, so the venue's liquidation price is ~50 % above the
 * entry. BTC then jumps 70 %: the simulator's liquidation engine closes the short with its own order
 * (clientOrderId autoclose-…, type LIQUIDATION) before the bot's liquidation guard sees any risk. The
 * bot books that fill as a trade with exit reason "liquidation", raises a critical risk event, ends
 * flat with the venue, and a ledger rebuilt from the stored fills is flat too.
 */
const PERP = "BTC/USDT:USDT";
const dataDir = mkdtempSync(path.join(tmpdir(), "tk-fut-venue-liq-"));
const logger = createLogger(process.env.TEST_LOG === "1" ? "debug" : "silent");
const csvPath = path.join(dataDir, "btc.csv");
const FLAT_MINUTES = 30;

/** BTC flat at 65,000 for FLAT_MINUTES minutes (time to start and open the short), then 110,000. */
function writeCsv(): void {
  const start = Date.UTC(2025, 0, 1);
  const lines = ["open_time,open,high,low,close,volume"];
  for (let i = 0; i < 400; i++) {
    const open = i <= FLAT_MINUTES ? 65_000 : 110_000;
    const close = i < FLAT_MINUTES ? 65_000 : 110_000;
    lines.push([start + i * 60_000, open.toFixed(1), Math.max(open, close).toFixed(1), Math.min(open, close).toFixed(1), close.toFixed(1), 10].join(","));
  }
  writeFileSync(csvPath, lines.join("\n"));
}

function testConfig(): AppConfig {
  return configSchema.parse({
    server: { dataDir },
    database: {},
    venue: { id: "simulator" },
    simulator: { speed: 120, seed: 7, historyDays: 0, symbols: ["BTC/USDT"], csv: csvPath },
    trading: { mode: "live", market: "futures", marginMode: "cross", symbols: [PERP], autoStart: false },
    risk: { ...permissiveEntryLimits([PERP], { maxOpenPositions: 3, maxOpenPositionsPerSymbol: 1, maxTradesPerDay: 100 }), maxLeverage: 2, minStopLiquidationDistancePct: 0, minRewardToRisk: 0, dailyLossPct: 100, weeklyLossPct: 100 },
    auth: {},
  });
}

let db: Database;
let engine: EngineRuntime;

beforeAll(async () => {
  writeCsv();
  db = await openDatabase({ dataDir });
  engine = await composeEngine({ config: testConfig(), db, logger });
  await engine.start();
}, 120_000);

afterAll(async () => {
  await engine?.stop().catch(() => {});
  await db?.close().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

type ForceOrder = { clientOrderId: string; type: string; side: string; avgPrice: string; executedQty: string; status: string };

describe("the venue's own liquidation, live on the simulator", () => {
  it("books the venue's liquidation fill as a liquidation trade, raises a critical risk event, and ends flat with the venue", async () => {
    const live = engine.kernel.accounts.get("live")!;
    const events: RiskEvent[] = [];
    const trades: EngineEvents["trade"][] = [];
    engine.bus.on("risk:event", (e) => events.push(e));
    engine.bus.on("trade", (t) => trades.push(t));
    const usdm = new ccxt.binanceusdm({ ...engine.simulator!.defaultAccount, enableRateLimit: false, options: { fetchCurrencies: false, fetchMargins: false, adjustForTimeDifference: false } });
    usdm.urls = futuresUrls(usdm.urls as Record<string, unknown>, engine.simulator!.restUrl) as typeof usdm.urls;
    await usdm.loadMarkets();
    const raw = usdm as unknown as { fapiPrivateGetForceOrders(p: object): Promise<ForceOrder[]> };
    try {
      expect(live.futures?.contracts.get(PERP)).toMatchObject({ marginMode: "cross" });
      // By hand at the venue, while flat: isolated margin (the bot still assumes cross).
      await usdm.setMarginMode("isolated", PERP);

      const result = await engine.kernel.placeManualOrder({ symbol: PERP, side: "sell", type: "market", quantity: 0.003, stopLoss: 150_000, takeProfit: 20_000, actor: "test" } as never);
      expect(result.decision.allowed, result.decision.message).toBe(true);
      await expect.poll(() => live.ledger.positions().length, { timeout: 10_000 }).toBe(1);
      expect(live.ledger.positions()[0]).toMatchObject({ symbol: PERP, side: "short", quantity: 0.003 });
      const [venuePosition] = await usdm.fetchPositions([PERP]);
      expect(venuePosition).toMatchObject({ side: "short", contracts: 0.003, marginMode: "isolated" });
      expect(Number(venuePosition.liquidationPrice)).toBeLessThan(110_000);
      expect(live.perpExposures().get(PERP)!.liquidationRiskPct).toBeLessThan(10);

      // BTC jumps to 110,000: the venue's liquidation engine closes the short with its own order.
      await expect.poll(async () => (await raw.fapiPrivateGetForceOrders({ symbol: "BTCUSDT" })).length, { timeout: 60_000, interval: 200 }).toBe(1);
      const [forced] = await raw.fapiPrivateGetForceOrders({ symbol: "BTCUSDT" });
      expect(forced).toMatchObject({ type: "LIQUIDATION", side: "BUY", status: "FILLED", executedQty: "0.003" });
      expect(forced.clientOrderId).toMatch(/^autoclose-/);

      // The bot books it: a trade closed by the venue's liquidation, at the venue's price.
      await expect.poll(() => trades.find((t) => t.symbol === PERP)?.exitReason, { timeout: 10_000, interval: 100 }).toBe("liquidation");
      const trade = trades.find((t) => t.symbol === PERP)!;
      expect(trade).toMatchObject({ side: "short", quantity: 0.003 });
      expect(trade.exitPrice).toBeCloseTo(Number(forced.avgPrice), 6);
      expect(trade.pnl).toBeLessThan(0);
      expect(trades.filter((t) => t.symbol === PERP)).toHaveLength(1);
      const event = events.find((e) => e.code === "VENUE_LIQUIDATION")!;
      expect(event).toMatchObject({ severity: "critical", data: { symbol: PERP, side: "short", quantity: 0.003, unbooked: 0 } });
      expect(events.some((e) => e.code === "LIQUIDATION_GUARD_CLOSE")).toBe(false);

      // Flat on both sides, and a ledger rebuilt from the stored fills (a restart) is flat too.
      expect(live.ledger.positions()).toEqual([]);
      expect((await usdm.fetchPositions([PERP])).filter((p) => Number((p.info as { positionAmt: string }).positionAmt) !== 0)).toEqual([]);
      const rebuilt = await restoreLedger({ mode: "live", startingCash: live.ledger.startingCash, quoteCurrency: "USDT", db, settings: new SettingsRepository(db.prisma), logger, allowShort: true });
      expect(rebuilt.ledger.positions()).toEqual([]);
      expect(rebuilt.ledger.realizedPnl).toBeCloseTo(live.ledger.realizedPnl, 6);
    } finally {
      await usdm.close();
    }
  }, 120_000);
});
