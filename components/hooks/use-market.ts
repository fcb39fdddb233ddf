"use client";

import { useQuery } from "@tanstack/react-query";
import { useCallback, useEffect } from "react";
import { apiFetch } from "../lib/api";
import { qk } from "../lib/query-keys";
import { useCandleStream, useFeed } from "../lib/socket";
import type { CandlesResponse, OrderBookDto, SymbolDto, Timeframe } from "../lib/types";

const symbolsQuery = {
  queryKey: qk.symbols,
  queryFn: ({ signal }: { signal: AbortSignal }) => apiFetch<SymbolDto[]>("/api/symbols", { signal }),
  staleTime: 60_000,
};

/** Every symbol with its last price: re-renders on each ticker of any symbol (several a second). */
export function useSymbols() {
  return useQuery(symbolsQuery);
}

const namesOf = (symbols: SymbolDto[]) => symbols.map((s) => s.symbol);

/**
 * Only the venue's symbol names, in its order: the same array while the list does not change, so a page
 * that only needs the names is not re-rendered by every ticker (the prices live in the same cache entry).
 */
export function useSymbolNames() {
  return useQuery({ ...symbolsQuery, select: namesOf });
}

/** One symbol's row (its last price and 24 h change): re-renders on that symbol's tickers only. */
export function useSymbolRow(symbol: string | undefined) {
  const select = useCallback((symbols: SymbolDto[]) => symbols.find((s) => s.symbol === symbol), [symbol]);
  return useQuery({ ...symbolsQuery, select });
}

/**
 * Candles of one chart, subscribed to the {symbol, timeframe} stream while mounted. Live `candle` events
 * update the cache in place; a gap in the stream's sequence numbers refetches (components/lib/socket.tsx);
 * the slow refetch only repairs a timeframe the server does not stream.
 */
export function useCandles(symbol: string | undefined, timeframe: Timeframe, limit = 500) {
  // The server sends a stream's candles only to the clients that subscribed to it (docs/api.md, feed).
  useCandleStream(symbol, timeframe);
  return useQuery({ ...candlesQuery(symbol, timeframe, limit), refetchInterval: 60_000 });
}

/** useCandles with a `select`: the caller re-renders only when its part of the candles changes. */
export function useLiveCandles<T>(symbol: string | undefined, timeframe: Timeframe, limit: number, select: (candles: CandlesResponse) => T) {
  useCandleStream(symbol, timeframe);
  return useQuery({ ...candlesQuery(symbol, timeframe, limit), refetchInterval: 60_000, select });
}

function candlesQuery(symbol: string | undefined, timeframe: Timeframe, limit: number) {
  return {
    queryKey: qk.candles(symbol ?? "", timeframe, limit),
    queryFn: ({ signal }: { signal: AbortSignal }) => apiFetch<CandlesResponse>("/api/candles", { query: { symbol, timeframe, limit }, signal }),
    enabled: !!symbol,
    staleTime: 30_000,
  };
}

/**
 * A part of the candles that useCandles or useLiveCandles (mounted beside it: it subscribes the stream and polls) keeps
 * current: a component that shows only the last close, or only whether they are simulated, is then not
 * re-rendered by candle events that do not change its part.
 */
export function useCandlesPart<T>(symbol: string | undefined, timeframe: Timeframe, limit: number, select: (candles: CandlesResponse) => T) {
  return useQuery({ ...candlesQuery(symbol, timeframe, limit), select });
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
