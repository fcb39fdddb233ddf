import { type Exchange } from "ccxt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createExchange } from "../../market/exchange";
import { startSimulator, type SimulatorHandle } from "../server";

/** 1s klines (REST and `<symbol>@kline_1s`) with real ccxt: consistent with the 1m candles they make up. */

const START = Date.UTC(2025, 4, 6, 14, 0, 0);
let sim: SimulatorHandle;
let ex: Exchange;

beforeAll(async () => {
  sim = await startSimulator({ seed: 9, historyDays: 0, startTime: START, manualClock: true, symbols: ["BTC/USDT"], publishIntervalMs: 20 });
  ex = await createExchange({ id: "simulator" }, { simulator: sim });
  await ex.loadMarkets();
});

afterAll(async () => {
  await ex?.close();
  await sim?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await sleep(10);
  }
}

const raw = async (query: string) => (await (await fetch(`${sim.restUrl}/api/v3/klines?${query}`)).json()) as any[];

describe("1s klines", () => {
  it("the 60 seconds of every minute aggregate exactly to its 1m bar (a user fill included)", async () => {
    sim.advance(30_000);
    await ex.createOrder("BTC/USDT", "market", "buy", 0.0123);
    sim.advance(150_000);
    const minutes = await raw(`symbol=BTCUSDT&interval=1m&startTime=${START}&limit=3`);
    expect(minutes).toHaveLength(3);
    for (const m of minutes.slice(0, 2)) {
      const secs = await raw(`symbol=BTCUSDT&interval=1s&startTime=${m[0]}&limit=60`);
      expect(secs).toHaveLength(60);
      secs.forEach((s, i) => {
        expect(s[0]).toBe(m[0] + i * 1000);
        expect(s[6]).toBe(m[0] + i * 1000 + 999);
      });
      expect(secs[0][1]).toBe(m[1]);
      expect(secs[59][4]).toBe(m[4]);
      expect(Math.max(...secs.map((s) => Number(s[2])))).toBe(Number(m[2]));
      expect(Math.min(...secs.map((s) => Number(s[3])))).toBe(Number(m[3]));
      const sum = (col: number) => secs.reduce((a, s) => a + Math.round(Number(s[col]) * 1e8), 0) / 1e8;
      expect(sum(5).toFixed(8)).toBe(m[5]);
      expect(secs.reduce((a, s) => a + s[8], 0)).toBe(m[8]);
      // Each second opens at the previous one's close or at a new print of the price path.
      for (let i = 1; i < 60; i++) if (Number(secs[i][5]) === 0 && secs[i][8] === 0) expect(secs[i][1]).toBe(secs[i - 1][4]);
    }
    // The user's market buy printed in its own second, at second 30 of the first minute.
    const at30 = await raw(`symbol=BTCUSDT&interval=1s&startTime=${START + 30_000}&limit=1`);
    expect(Number(at30[0][5])).toBeGreaterThanOrEqual(0.0123);
    // ccxt reads them as any interval.
    const viaCcxt = await ex.fetchOHLCV("BTC/USDT", "1s", START, 120);
    expect(viaCcxt).toHaveLength(120);
    expect(viaCcxt[60][0]).toBe(START + 60_000);
  });

  it("streams <symbol>@kline_1s with one closed (x: true) message per second", async () => {
    const ws = new WebSocket(`${sim.wsUrl}/btcusdt@kline_1s`);
    const messages: any[] = [];
    ws.on("message", (d) => messages.push(JSON.parse(d.toString())));
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    try {
      await waitFor(() => sim.state().now > 0);
      const from = sim.state().now;
      // Advance in 1 s steps until 12 seconds closed on the stream (the server publishes every 20 ms).
      for (let i = 0; i < 12; i++) {
        const want = messages.filter((m) => m.k?.x).length + 1;
        sim.advance(1_000);
        await waitFor(() => messages.filter((m) => m.k?.x).length >= want);
      }
      const closed = messages.filter((m) => m.k.x).map((m) => m.k);
      expect(closed[0]).toMatchObject({ i: "1s", s: "BTCUSDT" });
      closed.forEach((k, i) => i > 0 && expect(k.t).toBe(closed[i - 1].t + 1000));
      const rest = await raw(`symbol=BTCUSDT&interval=1s&startTime=${closed[0].t}&limit=${closed.length}`);
      expect(rest.map((r) => [r[0], r[1], r[2], r[3], r[4], r[5]])).toEqual(closed.map((k) => [k.t, k.o, k.h, k.l, k.c, k.v]));
      expect(closed[0].t).toBeGreaterThanOrEqual(Math.floor(from / 1000) * 1000);
    } finally {
      ws.close();
    }
  });
});
