import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../config";
import { createLogger } from "../../core/logger";
import { openDatabase, type Database } from "../../db/database";
import { SessionRepository, SettingsRepository, StrategyRepository } from "../../db";
import { storedStrategies } from "../strategies";

/** A fresh install's default strategy instances: what a trader gets from `npm start` with AUTO_START. */
const dirs: string[] = [];
const dbs: Database[] = [];
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function firstStart(env: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), "tk-defaults-"));
  dirs.push(dir);
  const db = await openDatabase({ dataDir: dir });
  dbs.push(db);
  const config = loadConfig({ ...env, DATA_DIR: dir }, dir);
  const load = storedStrategies({
    strategies: new StrategyRepository(db.prisma),
    sessions: new SessionRepository(db.prisma),
    settings: new SettingsRepository(db.prisma),
    config,
    logger: createLogger("silent"),
  });
  return load();
}

// Each scenario opens its own embedded database (a fresh install): that alone can take tens of seconds on a
// loaded machine, so the scenarios get a generous bound (nothing here waits for time).
describe("default strategies on a fresh install", { timeout: 180_000 }, () => {
  it("spot: the two defaults trade long only (a spot account cannot sell what it does not hold)", async () => {
    const specs = await firstStart({});
    expect(specs.map((s) => s.kind).sort()).toEqual(["ma_crossover", "rsi_reversion"]);
    for (const s of specs) {
      expect(s.symbols).toEqual(["BTC/USDT", "ETH/USDT"]);
      expect((s.params as { allowShort?: boolean }).allowShort).not.toBe(true);
    }
  });

  it("TRADING_MARKET=futures: the defaults trade the perpetuals long and short by themselves", async () => {
    const specs = await firstStart({ TRADING_MARKET: "futures" });
    expect(specs).toHaveLength(2);
    for (const s of specs) {
      expect(s.symbols).toEqual(["BTC/USDT:USDT", "ETH/USDT:USDT"]);
      expect((s.params as { allowShort?: boolean }).allowShort).toBe(true);
      expect(s.name).toMatch(/long\/short/);
      expect(s.paused).toBe(false);
    }
  });
});
