import type { QueryClient } from "@tanstack/react-query";
import { qk } from "../lib/query-keys";
import type { CandlesResponse, SymbolDto, Timeframe } from "../lib/types";

/**
 * What the overview's page (a server component) puts into the first HTML: the venue's symbols and the
 * candles the chart shows on a first visit (the first symbol, OVERVIEW_CHART's timeframe and bar count).
 * A plain module, not a client one: the server page reads these values, not references to them.
 */
export interface OverviewInitialData {
  symbols: SymbolDto[];
  candles: CandlesResponse | null;
}

/** The overview chart before the trader picks anything. */
export const OVERVIEW_CHART: { timeframe: Timeframe; limit: number } = { timeframe: "1m", limit: 500 };

/**
 * Writes the server's data into the browser cache before the first render, where it is not there yet
 * (a later visit's fresher data wins). Dated now, i.e. before the feed connects: the feed's first connect
 * refetches it once, as anything loaded before the feed was live (components/lib/socket.tsx).
 */
export function seedOverview(queryClient: QueryClient, data: OverviewInitialData): void {
  if (!Array.isArray(data.symbols)) return;
  if (!queryClient.getQueryData(qk.symbols)) queryClient.setQueryData(qk.symbols, data.symbols);
  const candles = data.candles;
  if (!candles) return;
  const key = qk.candles(candles.symbol, candles.timeframe, OVERVIEW_CHART.limit);
  if (!queryClient.getQueryData(key)) queryClient.setQueryData(key, candles);
}
