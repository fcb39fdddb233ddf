import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/database";
import { getPerformanceBenchmark } from "../service";
import { throwawayDatabase, T0, tradeRow } from "./db";

let db: Database;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ db, close } = await throwawayDatabase());
}, 120_000);
afterAll(async () => close?.());

const HOUR = 3_600_000;
const view = (venueId: string) =>
  ({ venue: { id: venueId }, config: { trading: { symbols: ["BTC/USDT", "ETH/USDT"], quoteCurrency: "USDT" } } }) as unknown as Parameters<typeof getPerformanceBenchmark>[0];

describe("buy and hold on the performance page", () => {
  it("paper lost 0.5% over a period where holding its BTC made +21%: both are shown", async () => {
    const p = db.prisma;
    await p.equitySnapshot.createMany({
      data: [
        { mode: "paper", timestamp: new Date(T0), equity: "10000", cash: "10000", realizedPnl: "0", unrealizedPnl: "0" },
        { mode: "paper", timestamp: new Date(T0 + 48 * HOUR), equity: "9950", cash: "9950", realizedPnl: "-50", unrealizedPnl: "0" },
      ],
    });
    await p.trade.create({ data: tradeRow({ mode: "paper", pnl: -50 }) });
    const candle = (at: number, close: number) => ({ venue: "simulator", symbol: "BTC/USDT", timeframe: "1m", openTime: new Date(at), open: String(close), high: String(close), low: String(close), close: String(close), volume: "1" });
    await p.candle.createMany({ data: [candle(T0 - HOUR, 90_000), candle(T0, 20_000), candle(T0 + 24 * HOUR, 22_000), candle(T0 + 48 * HOUR, 24_200), candle(T0 + 49 * HOUR, 1)] });
    const r = await getPerformanceBenchmark(view("simulator"), p, "paper");
    expect(r.strategyReturnPct).toBeCloseTo(-0.5, 9);
    expect(r.benchmark!.returnPct).toBeCloseTo(21, 9);
    expect(r.benchmark!.perSymbol).toEqual([{ symbol: "BTC/USDT", first: 20_000, last: 24_200, returnPct: expect.closeTo(21, 9) }]);
  }, 60_000);

  it("no stored prices on this venue: no benchmark, said so", async () => {
    const r = await getPerformanceBenchmark(view("binance"), db.prisma, "paper");
    expect(r.benchmark).toBeNull();
    expect(r.strategyReturnPct).toBeCloseTo(-0.5, 9);
  });
});
