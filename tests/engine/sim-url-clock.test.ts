import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TIMEFRAME_MS, type Candle } from "../../server/model/types";
import { MAX_CLOCK_SKEW_MS } from "../../server/strategy/base-strategy";
import { startSimulator, type SimulatorHandle } from "../../server/simulator";
import { startInProcessApp, type InProcessApp } from "../../scripts/campaigns/app";

/**
 * Issue 22: with a standalone simulator (SIM_URL) at 60× the bot's clock lagged the simulator by
 * 1.2–9.4 s of market time and strategies dropped closed candles as "refusing to look into the
 * future"; /api/system said speed 1. The market clock now follows GET /admin/clock with round-trip
 * correction: no closed candle closes after the bot's now (+ the strategies' skew allowance).
 */
let sim: SimulatorHandle;
let app: InProcessApp;

beforeAll(async () => {
  sim = await startSimulator({ speed: 60, seed: 3, historyDays: 0.05, symbols: ["BTC/USDT", "ETH/USDT"] });
  app = await startInProcessApp({ env: { SIM_URL: sim.restUrl, SIM_SPEED: "1", TRADING_SYMBOLS: "BTC/USDT,ETH/USDT", SIM_SYMBOLS: "BTC/USDT,ETH/USDT" } });
}, 180_000);

afterAll(async () => {
  await app?.close().catch(() => {});
  await sim?.close().catch(() => {});
});

describe("SIM_URL clock at 60x", () => {
  it("no closed 1m candle from a standalone simulator at speed 60 is 'from the future' for the bot", async () => {
    const engine = app.app.services.engine!;
    // The speed is the simulator's (60), not the bot's SIM_SPEED setting (1).
    expect(engine.simulatorSpeed).toBe(60);
    const seen: Array<{ candle: Candle; now: number }> = [];
    const off = engine.bus.on("candle", (candle) => seen.push({ candle, now: engine.clock.now() }));
    try {
      await expect.poll(() => seen.filter((s) => s.candle.timeframe === "1m").length, { timeout: 90_000, interval: 200 }).toBeGreaterThanOrEqual(30);
    } finally {
      off();
    }
    const future = seen.filter(({ candle, now }) => now + MAX_CLOCK_SKEW_MS < candle.openTime + TIMEFRAME_MS[candle.timeframe]);
    expect(future.map(({ candle, now }) => `${candle.symbol} ${candle.timeframe} ${candle.openTime} now ${now}`)).toEqual([]);
    // The bot's clock is within a few real round trips of the simulator's (market ms at 60×).
    expect(Math.abs(engine.clock.now() - sim.now())).toBeLessThan(MAX_CLOCK_SKEW_MS);
  }, 180_000);
});
