import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config";
import { createLogger } from "../../server/core/logger";
import { openDatabase, type Database } from "../../server/db/database";
import type { EngineRuntime } from "../../server/engine/runtime";
import { composeEngine } from "../../server/composition/engine";
import { positionUseCases } from "../../server/application/positions";
import { riskView } from "../../server/application/risk";

/**
 * TRADING_MARKET=futures on a fresh install: paper mode on the built-in simulator trades the BTC/USDT
 * and ETH/USDT perpetuals, short and long, and the positions carry leverage, margin and liquidation price.
 * SIM_SPEED 30: the simulator's /fstream has no 24 h ticker stream yet, so a perp's first price is its
 * first closed 1-minute candle (every 2 s here).
 */
const dataDir = mkdtempSync(path.join(tmpdir(), "tk-fut-paper-"));
const logger = createLogger("silent");
let db: Database;
let engine: EngineRuntime;

beforeAll(async () => {
  const config = loadConfig({ TRADING_MARKET: "futures", DATA_DIR: dataDir, AUTO_START: "false", SIM_SPEED: "30", SIM_HISTORY_DAYS: "0.05", SIM_SYMBOLS: "BTC/USDT,ETH/USDT" }, dataDir);
  config.risk = { ...config.risk, maxPositionPctEquity: 100, maxPortfolioHeatPct: 100, maxTradeLossPct: 100, minEntryIntervalSec: 0, symbolCooldownSec: 0, minEdgeOverFeesPct: 0 };
  db = await openDatabase({ dataDir });
  engine = await composeEngine({ config, db, logger });
  await engine.start();
}, 120_000);

afterAll(async () => {
  await engine?.stop().catch(() => {});
  await db?.close().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

describe("paper futures on the simulator", () => {
  it("opens a BTC perp short and an ETH perp long; positions show leverage, margin used and liquidation price", async () => {
    expect(engine.kernel.mode).toBe("paper");
    const paper = engine.kernel.accounts.get("paper")!;
    expect([...paper.futures!.contracts.keys()]).toEqual(["BTC/USDT:USDT", "ETH/USDT:USDT"]);
    await expect.poll(() => paper.lastPrices.has("BTC/USDT:USDT") && paper.lastPrices.has("ETH/USDT:USDT"), { timeout: 30_000 }).toBe(true);
    for (const [symbol, side] of [["BTC/USDT:USDT", "sell"], ["ETH/USDT:USDT", "buy"]] as const) {
      const price = paper.lastPrices.get(symbol)!;
      const stop = side === "sell" ? price * 1.02 : price * 0.98;
      const target = side === "sell" ? price * 0.95 : price * 1.05;
      const result = await engine.kernel.placeManualOrder({ symbol, side, type: "market", quantity: Math.ceil((1_000 / price) * 1000) / 1000, stopLoss: stop, takeProfit: target, actor: "test" } as never);
      expect(result.decision.allowed, `${symbol}: ${result.decision.message}`).toBe(true);
    }
    await expect.poll(() => paper.ledger.positions().length, { timeout: 20_000 }).toBe(2);
    const rows = positionUseCases({ engine } as never).list("paper");
    expect(rows.map((r) => [r.symbol, r.side, r.marketType, r.leverage])).toEqual(
      expect.arrayContaining([["BTC/USDT:USDT", "short", "perp", 1], ["ETH/USDT:USDT", "long", "perp", 1]]),
    );
    for (const r of rows) {
      expect(r.marginUsed).toBeGreaterThan(0);
      expect(r.liquidationPrice === null || (r.liquidationPrice ?? 0) > 0).toBe(true);
    }
    // At 1× cross a short still has a liquidation price above the mark; a long backed by its whole notional has none.
    expect(rows.find((r) => r.side === "short")!.liquidationPrice).toBeGreaterThan(rows.find((r) => r.side === "short")!.markPrice!);
    expect(riskView(engine, "paper").marginUtilisationPct).toBeGreaterThan(0);
  }, 90_000);
});
