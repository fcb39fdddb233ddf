import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema, SIMULATOR_SYMBOLS, type AppConfig } from "../../server/config";
import { createLogger } from "../../server/core/logger";
import { openDatabase, type Database } from "../../server/db/database";
import { EngineRuntime } from "../../server/engine/runtime";
import { permissiveEntryLimits } from "./fixtures/live-rules";

/**
 * Issue 14: a burst of 150 manual orders in live mode on the simulator, which enforces Binance's
 * rate limits (100 orders per 10 s → -1015, request weight → -1003, ignored 429s → 418). The bot
 * throttles itself to the venue's published limits: the simulator never has to refuse a request.
 */

const dataDir = mkdtempSync(path.join(tmpdir(), "tk-burst-"));
const logger = createLogger("silent");

function testConfig(): AppConfig {
  return configSchema.parse({
    server: { dataDir },
    database: {},
    venue: { id: "simulator" },
    simulator: { speed: 1, seed: 11, historyDays: 0.05, symbols: [...SIMULATOR_SYMBOLS] },
    trading: { mode: "live", symbols: [...SIMULATOR_SYMBOLS], autoStart: false },
    risk: permissiveEntryLimits(SIMULATOR_SYMBOLS, { maxOpenPositions: 40, maxOpenPositionsPerSymbol: 40, maxTradesPerDay: 1000 }),
    auth: {},
  });
}

let db: Database;
let engine: EngineRuntime;

beforeAll(async () => {
  db = await openDatabase({ dataDir });
  engine = await EngineRuntime.create({ config: testConfig(), db, logger });
  await engine.start();
}, 120_000);

afterAll(async () => {
  await engine?.stop().catch(() => {});
  await db?.close().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

describe("a burst of manual orders in live mode on the simulator", () => {
  it("150 manual limit orders at once: throttled by the bot, not one -1015 or 429 from the venue", async () => {
    const sim = engine.simulator!;
    expect(sim.rateLimiter).not.toBeNull();
    const symbols = [...SIMULATOR_SYMBOLS];
    const results = await Promise.all(
      Array.from({ length: 150 }, (_, i) => {
        const symbol = symbols[i % symbols.length];
        const price = sim.lastPrice(symbol) * 0.7;
        return engine.kernel.placeManualOrder({ symbol, side: "buy", type: "limit", price, quantity: 6 / price, actor: "test" });
      }),
    );
    await engine.kernel.idle();
    const refusedLocally = results.filter((r) => !r.decision.allowed || r.order?.status === "rejected");
    const sent = results.length - refusedLocally.length;
    // Everything the bot did not send it refused itself, saying why (the venue's order rate).
    for (const r of refusedLocally) expect(`${r.decision.code} ${r.decision.message} ${r.order?.error ?? ""}`).toMatch(/RATE|rate/);
    expect(sent).toBeGreaterThanOrEqual(80);
    const live = engine.kernel.accounts.get("live")!;
    await expect.poll(async () => (await live.venueOpenOrders()).length, { timeout: 30_000 }).toBe(sent);
    expect(sim.rateLimiter!.refused).toEqual({ weight429: 0, orders429: 0, bans418: 0 });
  }, 120_000);
});
