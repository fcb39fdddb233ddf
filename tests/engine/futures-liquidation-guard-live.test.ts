import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema, type AppConfig } from "../../server/config";
import { createLogger } from "../../server/core/logger";
import { openDatabase, type Database } from "../../server/db/database";
import type { EngineRuntime } from "../../server/engine/runtime";
import { composeEngine } from "../../server/composition/engine";
import ccxt from "ccxt";
import type { EngineEvents } from "../../server/engine";
import type { RiskEvent } from "../../server/risk";
import { futuresUrls } from "../../server/simulator/futures/urls";
import { permissiveEntryLimits } from "./fixtures/live-rules";

/**
 * Issue 15, "done when": live on the simulator (ccxt binanceusdm on its /fapi side, TRADING_MARKET=
 * futures, isolated margin at 3×), a short that the market moves against is warned at 80 % of the way
 * to its liquidation price and closed by the engine at 90 %, before the simulator's own liquidation
 * engine takes it; the venue confirms the position flat and no forced order.
 */
const PERP = "BTC/USDT:USDT";

const dataDir = mkdtempSync(path.join(tmpdir(), "tk-fut-liq-"));
const logger = createLogger(process.env.TEST_LOG === "1" ? "debug" : "silent");
const csvPath = path.join(dataDir, "btc.csv");

/**
 * BTC flat for 40 minutes (time to start and open the short), then up 1 % a minute to 80,000 (about
 * 75 % of the way to the 3× short's liquidation price), then 0.2 % a minute: several simulated minutes
 * (seconds of real time at SIM_SPEED 120) between the 90 % close and the simulator's liquidation.
 */
function writeCsv(): void {
  const start = Date.UTC(2025, 0, 1);
  const lines = ["open_time,open,high,low,close,volume"];
  let open = 65_000;
  for (let i = 0; i < 400; i++) {
    const close = i < 40 ? 65_000 : open * (open < 80_000 ? 1.01 : 1.002);
    lines.push([start + i * 60_000, open.toFixed(1), Math.max(open, close).toFixed(1), Math.min(open, close).toFixed(1), close.toFixed(1), 10].join(","));
    open = close;
  }
  writeFileSync(csvPath, lines.join("\n"));
}

function testConfig(): AppConfig {
  const parsed = configSchema.parse({
    server: { dataDir },
    database: {},
    venue: { id: "simulator" },
    simulator: { speed: 120, seed: 7, historyDays: 0, symbols: ["BTC/USDT"], csv: csvPath },
    trading: { mode: "live", market: "futures", marginMode: "isolated", symbols: ["BTC/USDT:USDT"], autoStart: false },
    risk: { ...permissiveEntryLimits(["BTC/USDT:USDT"], { maxOpenPositions: 3, maxOpenPositionsPerSymbol: 1, maxTradesPerDay: 100 }), maxLeverage: 3, minStopLiquidationDistancePct: 0, dailyLossPct: 100, weeklyLossPct: 100 },
    auth: {},
  });
  return parsed;
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

describe("futures liquidation guard, live on the simulator", () => {
  it("a 3× isolated short the market moves against is warned at 80 % and closed at 90 %, before the simulator liquidates it", async () => {
    const live = engine.kernel.accounts.get("live")!;
    expect(live.futures?.contracts.get(PERP)).toMatchObject({ leverage: 3, marginMode: "isolated" });
    const events: RiskEvent[] = [];
    const trades: EngineEvents["trade"][] = [];
    engine.bus.on("risk:event", (e) => events.push(e));
    engine.bus.on("trade", (t) => trades.push(t));
    const usdm = new ccxt.binanceusdm({ ...engine.simulator!.defaultAccount, enableRateLimit: false, options: { fetchCurrencies: false, fetchMargins: false, adjustForTimeDifference: false } });
    usdm.urls = futuresUrls(usdm.urls as Record<string, unknown>, engine.simulator!.restUrl) as typeof usdm.urls;
    await usdm.loadMarkets();
    try {
      // A short with its stop between the 90 % close and the liquidation price (the stop-distance rule
      // loosened for the scenario): only the guard can act before the venue does.
      const result = await engine.kernel.placeManualOrder({ symbol: PERP, side: "sell", type: "market", quantity: 0.03, stopLoss: 86_000, takeProfit: 20_000, actor: "test" } as never);
      expect(result.decision.allowed, result.decision.message).toBe(true);
      await expect.poll(() => live.ledger.positions().length, { timeout: 10_000 }).toBe(1);
      expect(live.ledger.positions()[0]).toMatchObject({ symbol: PERP, side: "short", quantity: 0.03 });

      // The venue's position is 3× isolated and its liquidation price is the engine's.
      const [venuePosition] = await usdm.fetchPositions([PERP]);
      expect(venuePosition).toMatchObject({ side: "short", contracts: 0.03, marginMode: "isolated" });
      const venueLiquidation = Number(venuePosition.liquidationPrice);
      const exposure = live.perpExposures().get(PERP)!;
      expect(exposure.liquidationPrice).not.toBeNull();
      expect(Math.abs(exposure.liquidationPrice! / venueLiquidation - 1)).toBeLessThan(0.002);

      // BTC rises 1 % a simulated minute: warned once past 80 %, closed past 90 %.
      await expect.poll(() => events.some((e) => e.code === "LIQUIDATION_RISK_WARNING"), { timeout: 60_000, interval: 100 }).toBe(true);
      const warning = events.find((e) => e.code === "LIQUIDATION_RISK_WARNING")!;
      expect(warning.severity).toBe("warning");
      expect(warning.data.liquidationRiskPct as number).toBeGreaterThanOrEqual(80);
      await expect.poll(() => trades.find((t) => t.symbol === PERP)?.exitReason, { timeout: 60_000, interval: 100 }).toBe("liquidation_guard");
      const closeEvent = events.find((e) => e.code === "LIQUIDATION_GUARD_CLOSE")!;
      expect(closeEvent.severity).toBe("critical");
      expect(closeEvent.data.liquidationRiskPct as number).toBeGreaterThanOrEqual(90);
      expect(events.filter((e) => e.code === "LIQUIDATION_RISK_WARNING")).toHaveLength(1);
      expect(events.indexOf(warning)).toBeLessThan(events.indexOf(closeEvent));
      const trade = trades.find((t) => t.symbol === PERP)!;
      expect(trade.exitPrice).toBeLessThan(venueLiquidation);

      // The venue confirms: flat, and no liquidation (forced order) of its own.
      await expect.poll(async () => (await usdm.fetchPositions([PERP])).filter((p) => Number((p.info as { positionAmt: string }).positionAmt) !== 0).length, { timeout: 10_000 }).toBe(0);
      const forced = (await (usdm as unknown as { fapiPrivateGetForceOrders(p: object): Promise<unknown[]> }).fapiPrivateGetForceOrders({ symbol: "BTCUSDT" }));
      expect(forced).toEqual([]);
      expect(live.ledger.positions()).toEqual([]);
    } finally {
      await usdm.close();
    }
  }, 120_000);
});
