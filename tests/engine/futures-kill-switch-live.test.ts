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
import { futuresUrls } from "../../server/simulator/futures/urls";
import { permissiveEntryLimits } from "./fixtures/live-rules";

/**
 * Issue 15, kill switch on a live futures account (ccxt binanceusdm on the simulator's /fapi side):
 * a BTC perp short (part of it opened by hand at the venue, unknown to the ledger), an ETH perp long
 * and a resting order. The kill switch closes both with reduce-only orders on the opposite side,
 * cancels the order, and confirms flat from the venue's positionRisk.
 */
const BTC = "BTC/USDT:USDT";
const ETH = "ETH/USDT:USDT";
const dataDir = mkdtempSync(path.join(tmpdir(), "tk-fut-kill-"));
const logger = createLogger(process.env.TEST_LOG === "1" ? "debug" : "silent");

function testConfig(): AppConfig {
  return configSchema.parse({
    server: { dataDir },
    database: {},
    venue: { id: "simulator" },
    simulator: { speed: 1, seed: 11, historyDays: 0.05, symbols: ["BTC/USDT", "ETH/USDT"] },
    trading: { mode: "live", market: "futures", symbols: [BTC, ETH], autoStart: false },
    risk: { ...permissiveEntryLimits([BTC, ETH], { maxOpenPositions: 4, maxOpenPositionsPerSymbol: 2, maxTradesPerDay: 100 }), maxLeverage: 2, minStopLiquidationDistancePct: 0 },
    auth: {},
  });
}

let db: Database;
let engine: EngineRuntime;

beforeAll(async () => {
  db = await openDatabase({ dataDir });
  engine = await composeEngine({ config: testConfig(), db, logger });
  await engine.start();
}, 180_000);

afterAll(async () => {
  await engine?.stop().catch(() => {});
  await db?.close().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

type RawOrder = { symbol: string; side: string; type: string; reduceOnly: boolean; status: string; time: number };

describe("futures kill switch, live on the simulator", () => {
  it("closes a perp short and a perp long with reduce-only orders, cancels the resting order, and positionRisk confirms flat", async () => {
    const live = engine.kernel.accounts.get("live")!;
    const sim = engine.simulator!;
    const usdm = new ccxt.binanceusdm({ ...sim.defaultAccount, enableRateLimit: false, options: { fetchCurrencies: false, fetchMargins: false, adjustForTimeDifference: false } });
    usdm.urls = futuresUrls(usdm.urls as Record<string, unknown>, sim.restUrl) as typeof usdm.urls;
    await usdm.loadMarkets();
    const raw = usdm as unknown as {
      fapiPrivateV2GetPositionRisk(p: object): Promise<{ symbol: string; positionAmt: string }[]>;
      fapiPrivateGetAllOrders(p: object): Promise<RawOrder[]>;
      fapiPrivateGetOpenOrders(p: object): Promise<unknown[]>;
    };
    const positionAmt = async () => Object.fromEntries((await raw.fapiPrivateV2GetPositionRisk({})).filter((p) => p.symbol === "BTCUSDT" || p.symbol === "ETHUSDT").map((p) => [p.symbol, Number(p.positionAmt)]));
    try {
      const btc = sim.lastPrice("BTC/USDT");
      const eth = sim.lastPrice("ETH/USDT");
      // Quantities worth a little over the venue's 100 USDT minimum notional, at its 0.001 step.
      const qty = (notional: number, price: number) => Math.ceil((notional / price) * 1000) / 1000;
      const [shortQty, byHandQty, longQty] = [qty(150, btc), qty(120, btc), qty(150, eth)];
      const restingPrice = Math.round(eth * 0.7 * 100) / 100;
      const short = await engine.kernel.placeManualOrder({ symbol: BTC, side: "sell", type: "market", quantity: shortQty, stopLoss: btc * 1.05, takeProfit: btc * 0.8, actor: "test" } as never);
      expect(short.decision.allowed, short.decision.message).toBe(true);
      const long = await engine.kernel.placeManualOrder({ symbol: ETH, side: "buy", type: "market", quantity: longQty, stopLoss: eth * 0.95, takeProfit: eth * 1.2, actor: "test" } as never);
      expect(long.decision.allowed, long.decision.message).toBe(true);
      await expect.poll(() => live.ledger.positions().length, { timeout: 10_000 }).toBe(2);
      // More short at the venue than the ledger knows (sent by hand), and a resting order far from the market.
      await usdm.createOrder(BTC, "market", "sell", byHandQty);
      await usdm.createOrder(ETH, "limit", "buy", qty(120, restingPrice), restingPrice);
      await expect.poll(positionAmt, { timeout: 10_000 }).toEqual({ BTCUSDT: -Math.round((shortQty + byHandQty) * 1000) / 1000, ETHUSDT: longQty });
      expect((await raw.fapiPrivateGetOpenOrders({})).length).toBe(1);

      const startedAt = (await usdm.fetchTime())!;
      const status = await engine.kernel.killSwitch("flatten", "test");
      expect(status.phase, JSON.stringify(status.remaining)).toBe("completed");
      expect(status.flatConfirmed).toBe(true);
      const run = status.accounts.live!;
      expect(run.positionsFound).toBe(2);
      expect(run.positionsClosed).toBe(2);
      expect(status.remaining.positions).toEqual([]);
      expect(status.remaining.orders).toEqual([]);

      // The venue: both flat, nothing resting, and every order the kill switch sent reduce-only on the opposite side.
      expect(await positionAmt()).toEqual({ BTCUSDT: 0, ETHUSDT: 0 });
      expect(await raw.fapiPrivateGetOpenOrders({})).toEqual([]);
      const sent = [...(await raw.fapiPrivateGetAllOrders({ symbol: "BTCUSDT" })), ...(await raw.fapiPrivateGetAllOrders({ symbol: "ETHUSDT" }))].filter((o) => o.time >= startedAt);
      expect(sent.length).toBeGreaterThanOrEqual(2);
      expect(sent.every((o) => o.reduceOnly === true && o.type === "MARKET")).toBe(true);
      expect(new Set(sent.filter((o) => o.symbol === "BTCUSDT").map((o) => o.side))).toEqual(new Set(["BUY"]));
      expect(new Set(sent.filter((o) => o.symbol === "ETHUSDT").map((o) => o.side))).toEqual(new Set(["SELL"]));
      // The ledger ends flat with the venue.
      await expect.poll(() => live.ledger.positions(), { timeout: 5_000 }).toEqual([]);
    } finally {
      await usdm.close();
    }
  }, 180_000);
});
