"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { apiFetch } from "../lib/api";
import { qk } from "../lib/query-keys";
import { useCandleStream, useFeed } from "../lib/socket";
import type { CandlesResponse, OrderBookDto, SymbolDto, Timeframe } from "../lib/types";

export function useSymbols() {
  return useQuery({
    queryKey: qk.symbols,
    queryFn: ({ signal }) => apiFetch<SymbolDto[]>("/api/symbols", { signal }),
    staleTime: 60_000,
  });
}

/**
 * Candles of one chart, subscribed to the {symbol, timeframe} stream while mounted. Live `candle` events
 * update the cache in place; a gap in the stream's sequence numbers refetches (components/lib/socket.tsx);
 * the slow refetch only repairs a timeframe the server does not stream.
 */
export function useCandles(symbol: string | undefined, timeframe: Timeframe, limit = 500) {
  // The server sends a stream's candles only to the clients that subscribed to it (docs/api.md, feed).
  useCandleStream(symbol, timeframe);
  return useQuery({
    queryKey: qk.candles(symbol ?? "", timeframe, limit),
    queryFn: ({ signal }) =>
      apiFetch<CandlesResponse>("/api/candles", { query: { symbol, timeframe, limit }, signal }),
    enabled: !!symbol,
    refetchInterval: 60_000,
    staleTime: 30_000,
  });
}

/** The order book of a symbol: a REST snapshot, then the live `orderbook` events while subscribed. */
export function useOrderbook(symbol: string | undefined, depth = 20) {
  const { subscribeOrderbook } = useFeed();
  useEffect(() => {
    if (!symbol) return;
    return subscribeOrderbook(symbol);
  }, [symbol, subscribeOrderbook]);
  return useQuery({
    queryKey: qk.orderbook(symbol ?? "", depth),
    queryFn: ({ signal }) => apiFetch<OrderBookDto>("/api/orderbook", { query: { symbol, depth }, signal }),
    enabled: !!symbol,
    staleTime: Infinity,
    refetchInterval: 30_000,
  });
}
