import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InMemoryCandleStore } from "../candle-store";
import {
  CandleCsvError,
  formatCandleCsvRow,
  importCandleCsv,
  parseCandleCsv,
  parseOpenTime,
  prepareCsvForAppend,
  symbolAndTimeframeFromFileName,
} from "../csv";

const HEADER = "open_time,open,high,low,close,volume";
const T0 = Date.UTC(2023, 2, 1);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "tk-csv-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function issuesOf(fn: () => unknown): { line: number; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CandleCsvError);
    return (err as CandleCsvError).issues;
  }
  throw new Error("expected a CandleCsvError");
}

describe("candle CSV import", () => {
  it("reads the sample format (ISO-ish open_time with +00:00) and epoch milliseconds alike", () => {
    const text = [
      HEADER,
      "2023-03-01 00:00:00+00:00,23140.48,23150.77,23128.52,23142.31,2.131777",
      `${T0 + 60_000},23143.89,23148.8,23137.61,23137.77,0.881378`,
      "2023-03-01T00:02:00Z,23137.77,23140,23130,23135,0",
      "",
    ].join("\n");
    const candles = parseCandleCsv(text, { symbol: "BTC/USDT" });
    expect(candles.map((c) => c.openTime)).toEqual([T0, T0 + 60_000, T0 + 120_000]);
    expect(candles[0]).toEqual({ symbol: "BTC/USDT", timeframe: "1m", openTime: T0, open: 23140.48, high: 23150.77, low: 23128.52, close: 23142.31, volume: 2.131777, closed: true });
    expect(candles[2].volume).toBe(0);
  });

  it("names every bad line and why, and imports nothing from a file with bad rows", () => {
    const text = [
      HEADER,
      "2023-03-01 00:00:00+00:00,100,110,90,105,1", // line 2 ok
      "2023-03-01 00:01:00+00:00,100,90,95,92,1", // 3: high < low
      "2023-03-01 00:02:00+00:00,100,110,90,abc,1", // 4: not a number
      "2023-03-01 00:03:00+00:00,100,110,90,105", // 5: missing column
      "yesterday,100,110,90,105,1", // 6: unreadable time
      "2023-03-01 00:04:00+00:00,100,110,90,105,-2", // 7: negative volume
      "2023-03-01 00:04:00+00:00,100,110,90,105,1", // 8: ok
      "2023-03-01 00:04:00+00:00,100,110,90,105,1", // 9: duplicate
      "2023-03-01 00:03:00+00:00,100,110,90,105,1", // 10: goes back
      "2023-03-01 00:05:30+00:00,100,110,90,105,1", // 11: misaligned
      "2023-03-01 00:06:00+00:00,0,110,90,105,1", // 12: zero price
    ].join("\n");
    const issues = issuesOf(() => parseCandleCsv(text, { symbol: "BTC/USDT", timeframe: "1m", source: "sample.csv" }));
    expect(issues.map((i) => i.line)).toEqual([3, 4, 5, 6, 7, 9, 10, 11, 12]);
    expect(issues.find((i) => i.line === 3)?.message).toMatch(/low 95 is above high 90/);
    expect(issues.find((i) => i.line === 4)?.message).toMatch(/close "abc" is not a number/);
    expect(issues.find((i) => i.line === 5)?.message).toMatch(/expected 6 columns, found 5/);
    expect(issues.find((i) => i.line === 6)?.message).toMatch(/open_time "yesterday"/);
    expect(issues.find((i) => i.line === 7)?.message).toMatch(/volume -2/);
    expect(issues.find((i) => i.line === 9)?.message).toMatch(/duplicate open time/);
    expect(issues.find((i) => i.line === 10)?.message).toMatch(/goes back/);
    expect(issues.find((i) => i.line === 11)?.message).toMatch(/not aligned to 1m/);
    expect(issues.find((i) => i.line === 12)?.message).toMatch(/open 0 is not a finite positive price/);
    try {
      parseCandleCsv(text, { symbol: "BTC/USDT", timeframe: "1m", source: "sample.csv" });
    } catch (err) {
      expect((err as Error).message).toMatch(/^sample.csv: 9 bad line\(s\)\n {2}line 3: /);
    }
  });

  it("rejects a file without the expected header", () => {
    const issues = issuesOf(() => parseCandleCsv("time,o,h,l,c,v\n1,2,3,4,5,6", { symbol: "BTC/USDT" }));
    expect(issues).toEqual([{ line: 1, message: expect.stringContaining('expected the header "open_time,open,high,low,close,volume"') }]);
  });

  it("importCandleCsv takes symbol and timeframe from a Binance-style file name and saves to the store", async () => {
    const file = path.join(dir, "ETHUSDT-5m-2023-03.csv");
    const rows = [0, 1, 2].map((i) =>
      formatCandleCsvRow({ symbol: "ETH/USDT", timeframe: "5m", openTime: T0 + i * 300_000, open: 1600, high: 1610, low: 1590, close: 1605 + i, volume: 10, closed: true }),
    );
    await writeFile(file, `${HEADER}\n${rows.join("\n")}\n`);
    const store = new InMemoryCandleStore();
    const candles = await importCandleCsv(file, { store });
    expect(candles).toHaveLength(3);
    expect(candles[0]).toMatchObject({ symbol: "ETH/USDT", timeframe: "5m" });
    expect(await store.latestOpenTime("ETH/USDT", "5m")).toBe(T0 + 600_000);
  });

  it("importCandleCsv asks for the symbol when the file name does not say it", async () => {
    const file = path.join(dir, "candles.csv");
    await writeFile(file, `${HEADER}\n`);
    await expect(importCandleCsv(file)).rejects.toThrow(/does not say the symbol/);
  });

  it("file name and time parsing helpers", () => {
    expect(symbolAndTimeframeFromFileName("/x/BTCUSDT-1m-2023-03-01_21.csv")).toEqual({ symbol: "BTC/USDT", timeframe: "1m" });
    expect(symbolAndTimeframeFromFileName("SOLBTC_4h.csv")).toEqual({ symbol: "SOL/BTC", timeframe: "4h" });
    expect(symbolAndTimeframeFromFileName("prices.csv")).toEqual({});
    expect(parseOpenTime("2023-03-01 00:00:00+00:00")).toBe(T0);
    expect(parseOpenTime("2023-03-01 01:00:00+01:00")).toBe(T0);
    expect(parseOpenTime("2023-03-01 00:00:00")).toBe(T0);
    expect(parseOpenTime(String(T0))).toBe(T0);
    expect(parseOpenTime(String(T0 / 1000))).toBe(T0); // seconds
    expect(parseOpenTime(String(T0 * 1000))).toBe(T0); // microseconds
    expect(parseOpenTime("2023-13-45 00:00:00")).toBeUndefined();
    expect(parseOpenTime("")).toBeUndefined();
  });
});

describe("appending to a CSV after an interrupted download", () => {
  it("creates the header in a new file, and drops a last row cut short", async () => {
    const file = path.join(dir, "out.csv");
    expect(await prepareCsvForAppend(file)).toBeUndefined();
    expect(await readFile(file, "utf8")).toBe(`${HEADER}\n`);

    await writeFile(file, `${HEADER}\n2023-03-01 00:00:00+00:00,1,1,1,1,1\n2023-03-01 00:01:00+00:00,1,1,1,1,1\n2023-03-01 00:02:00+00:00,1,1`);
    expect(await prepareCsvForAppend(file)).toBe(T0 + 60_000);
    expect(await readFile(file, "utf8")).toBe(`${HEADER}\n2023-03-01 00:00:00+00:00,1,1,1,1,1\n2023-03-01 00:01:00+00:00,1,1,1,1,1\n`);
  });
});
