import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRealtimeHarness } from "./harness";
import type { Candle } from "../../server/model/types";
import { candleStreamsOf } from "../../server/realtime";

/**
 * Issue 22: a dashboard receives only the candle streams it shows (it subscribes to {symbol, timeframe}),
 * and every closed candle carries the stream's sequence number so a client that missed one can tell.
 * The realtime layer on a real HTTP server and Socket.IO clients; the engine is its event bus.
 */

let harness: Awaited<ReturnType<typeof startRealtimeHarness>>;
const bus = { emit: (...args: Parameters<typeof harness.bus.emit>) => harness.bus.emit(...args) };
const candle = (symbol: string, timeframe: Candle["timeframe"], openTime: number, closed = true): Candle => ({ symbol, timeframe, openTime, open: 1, high: 2, low: 0.5, close: 1.5, volume: 3, closed });

beforeAll(async () => {
  harness = await startRealtimeHarness({ orderBookDepth: 20 });
});

afterAll(() => harness.close());

async function client(streams: Array<{ symbol: string; timeframe: string }>) {
  const socket = harness.connectClient();
  const got: Array<{ symbol: string; timeframe: string; seq: number; candle: { time: number; closed: boolean } }> = [];
  socket.on("candle", (m) => got.push(m));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  const ack = await new Promise<{ candles: Array<{ symbol: string; timeframe: string; seq: number }> }>((resolve) => socket.emit("subscribe", { candles: streams }, resolve));
  return { socket, got, ack };
}

describe("candle streams per client", () => {
  it("a BTC 1m chart gets only BTC 1m candles, numbered per stream; an ETH 5m chart only ETH 5m", async () => {
    const btc = await client([{ symbol: "BTC/USDT", timeframe: "1m" }]);
    const eth = await client([{ symbol: "ETH/USDT", timeframe: "5m" }]);
    const none = await client([]);
    expect(btc.ack.candles).toEqual([{ symbol: "BTC/USDT", timeframe: "1m", seq: 0 }]);

    bus.emit("candle", candle("BTC/USDT", "1m", 60_000));
    bus.emit("candle", candle("ETH/USDT", "5m", 300_000));
    bus.emit("candle", candle("BTC/USDT", "5m", 300_000));
    bus.emit("candle", candle("BTC/USDT", "1m", 120_000));
    await expect.poll(() => btc.got.length, { timeout: 10_000 }).toBe(2);
    await expect.poll(() => eth.got.length, { timeout: 10_000 }).toBe(1);

    expect(btc.got.map((m) => [m.symbol, m.timeframe, m.seq, m.candle.time])).toEqual([
      ["BTC/USDT", "1m", 1, 60_000],
      ["BTC/USDT", "1m", 2, 120_000],
    ]);
    expect(eth.got.map((m) => [m.symbol, m.timeframe, m.seq])).toEqual([["ETH/USDT", "5m", 1]]);

    // A chart opened later learns where the stream is, so its first candle is not taken for a gap.
    const late = await client([{ symbol: "BTC/USDT", timeframe: "1m" }]);
    await expect.poll(() => btc.got.length, { timeout: 10_000 }).toBe(2);
    expect(late.ack.candles[0].seq).toBe(2);
    // Forming updates carry the last closed candle's number; unsubscribing stops the stream.
    bus.emit("candle:update", candle("BTC/USDT", "1m", 180_000, false));
    await expect.poll(() => late.got.length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => btc.got.length, { timeout: 10_000 }).toBe(3);
    expect(late.got[0]).toMatchObject({ seq: 2, candle: { closed: false } });
    btc.socket.emit("unsubscribe", { candles: [{ symbol: "BTC/USDT", timeframe: "1m" }] });
    await new Promise<void>((resolve) => btc.socket.emit("subscribe", {}, () => resolve())); // a round trip: the unsubscribe is applied
    bus.emit("candle", candle("BTC/USDT", "1m", 180_000));
    await expect.poll(() => late.got.length, { timeout: 10_000 }).toBe(2);
    expect(late.got[1]).toMatchObject({ seq: 3, candle: { closed: true } });
    expect(btc.got.length).toBe(3); // nothing after its unsubscribe
    expect(none.got).toEqual([]);
  });

  it("a malformed subscription is ignored, never an error on the feed", () => {
    expect(candleStreamsOf({ symbol: "BTC/USDT", timeframe: "1m" })).toEqual([{ symbol: "BTC/USDT", timeframe: "1m" }]);
    expect(candleStreamsOf([{ symbol: "BTC/USDT", timeframe: "1m; drop" }, { symbol: 5, timeframe: "1m" }, null, "x"])).toEqual([]);
    expect(candleStreamsOf(Array.from({ length: 100 }, () => ({ symbol: "BTC/USDT", timeframe: "1m" }))).length).toBe(64);
  });
});
