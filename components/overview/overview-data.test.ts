import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { qk } from "../lib/query-keys";
import type { CandlesResponse, SymbolDto } from "../lib/types";
import { OVERVIEW_CHART, seedOverview } from "./overview-data";

const symbol = (name: string, last: number): SymbolDto => ({ symbol: name, base: name.split("/")[0]!, quote: "USDT", last, change24hPct: null, simulated: true });
const candles: CandlesResponse = { symbol: "BTC/USDT", timeframe: "1m", simulated: true, candles: [{ time: 0, open: 1, high: 2, low: 0.5, close: 1.5, volume: 3, closed: true }] };

describe("the overview's data from the first HTML", () => {
  it("lands under the keys the chart reads (its symbol, timeframe and bar count)", () => {
    const client = new QueryClient();
    seedOverview(client, { symbols: [symbol("BTC/USDT", 100)], candles });
    expect(client.getQueryData(qk.symbols)).toEqual([symbol("BTC/USDT", 100)]);
    expect(client.getQueryData(qk.candles("BTC/USDT", OVERVIEW_CHART.timeframe, OVERVIEW_CHART.limit))).toBe(candles);
  });

  it("does not replace what the browser already has (fresher: a later visit in the same tab)", () => {
    const client = new QueryClient();
    const newer = [symbol("BTC/USDT", 101)];
    client.setQueryData(qk.symbols, newer);
    seedOverview(client, { symbols: [symbol("BTC/USDT", 100)], candles: null });
    expect(client.getQueryData(qk.symbols)).toBe(newer);
  });

  it("is dated when it is written, so the feed's first connect refetches it", () => {
    const client = new QueryClient();
    const before = Date.now();
    seedOverview(client, { symbols: [], candles });
    const state = client.getQueryState(qk.candles("BTC/USDT", "1m", OVERVIEW_CHART.limit));
    expect(state?.dataUpdatedAt).toBeGreaterThanOrEqual(before);
  });
});
