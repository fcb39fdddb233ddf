"use client";

import { useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { io, type Socket } from "socket.io-client";
import { FeedBatcher } from "./feed-batcher";
import { applyFeedBatch, FEED_EVENTS } from "./feed-apply";
import { refetchLoadedBeforeFeed } from "./feed-connect";
import { qk } from "./query-keys";
import type { Timeframe } from "./types";

export type SocketConnection = "connecting" | "connected" | "disconnected";

export interface FeedContextValue {
  connection: SocketConnection;
  /** True once the socket has connected at least once in this page's life. */
  hasConnected: boolean;
  /** When the socket last lost its connection (epoch ms), or null while connected. */
  disconnectedAt: number | null;
  lastError: string | null;
  serverVersion: string | null;
  /** Ask the server for live order book updates of a symbol; returns the matching unsubscribe. */
  subscribeOrderbook(symbol: string): () => void;
  /** Ask the server for the candles of one {symbol, timeframe} stream (charts); returns the matching unsubscribe. */
  subscribeCandles(symbol: string, timeframe: string): () => void;
}

const FeedContext = createContext<FeedContextValue | null>(null);

/** How long to wait before trying again after the server refused the handshake (it does not retry by itself). */
const HANDSHAKE_RETRY_MS = 5_000;

/**
 * One Socket.IO connection for the whole dashboard. Feed events are batched (once per animation frame,
 * feed-batcher.ts) and written into the React Query cache; after a reconnect every query is refetched
 * because events were missed meanwhile.
 */
export function FeedProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const socketRef = useRef<Socket | null>(null);
  const subscriptions = useRef(new Map<string, number>());
  /** Candle streams shown, by `${symbol}|${timeframe}`, with how many components show each. */
  const candleStreams = useRef(new Map<string, { symbol: string; timeframe: string; count: number }>());
  /** Last closed-candle sequence number seen per stream (the subscribe ack sets the start). */
  const candleSeqs = useRef(new Map<string, number>());
  const [state, setState] = useState<Omit<FeedContextValue, "subscribeOrderbook" | "subscribeCandles">>({
    connection: "connecting",
    hasConnected: false,
    disconnectedAt: null,
    lastError: null,
    serverVersion: null,
  });

  useEffect(() => {
    const socket = io({ path: "/socket.io", withCredentials: true });
    socketRef.current = socket;
    const batcher = new FeedBatcher((batch) => {
      const report = applyFeedBatch(queryClient, batch);
      for (const rejected of report.rejected) console.warn(`[feed] skipped a ${rejected.event} event: ${rejected.reason}`);
    });
    let connectedBefore = false;
    let retryTimer: ReturnType<typeof setTimeout> | null = null;
    let stopRefetchAfterAnswers: (() => void) | null = null;

    socket.on("connect", () => {
      for (const symbol of subscriptions.current.keys()) socket.emit("subscribe", { orderbook: symbol });
      candleSeqs.current.clear();
      const streams = [...candleStreams.current.values()].map(({ symbol, timeframe }) => ({ symbol, timeframe }));
      if (streams.length) emitCandleSubscribe(socket, streams, candleSeqs.current);
      if (connectedBefore) void queryClient.invalidateQueries();
      else {
        stopRefetchAfterAnswers?.();
        stopRefetchAfterAnswers = refetchLoadedBeforeFeed(queryClient, Date.now());
      }
      connectedBefore = true;
      setState((s) => ({ ...s, connection: "connected", hasConnected: true, disconnectedAt: null, lastError: null }));
    });
    socket.on("disconnect", (reason) => {
      setState((s) => ({ ...s, connection: "disconnected", disconnectedAt: s.disconnectedAt ?? Date.now(), lastError: reason }));
      // A server-side disconnect is not retried by the client on its own.
      if (reason === "io server disconnect") {
        retryTimer = setTimeout(() => socket.connect(), HANDSHAKE_RETRY_MS);
      }
    });
    socket.on("connect_error", (err: Error) => {
      setState((s) => ({ ...s, connection: "disconnected", disconnectedAt: s.disconnectedAt ?? Date.now(), lastError: err.message }));
      if (!socket.active) {
        // The handshake was refused (e.g. the session expired): a status refetch answers 401 and leads to sign-in.
        void queryClient.invalidateQueries({ queryKey: qk.status });
        if (retryTimer) clearTimeout(retryTimer);
        retryTimer = setTimeout(() => socket.connect(), HANDSHAKE_RETRY_MS);
      }
    });
    socket.on("hello", (payload: unknown) => {
      const version = payload && typeof payload === "object" ? (payload as { version?: unknown }).version : undefined;
      if (typeof version === "string") setState((s) => ({ ...s, serverVersion: version }));
    });
    // Per-stream sequence numbers: a closed candle that is not the next one means one was missed
    // (a drop, a slow client): refetch that stream's candles.
    socket.on("candle", (payload: unknown) => {
      const ev = payload as { symbol?: unknown; timeframe?: unknown; seq?: unknown; candle?: { closed?: unknown } } | null;
      if (!ev || typeof ev.symbol !== "string" || typeof ev.timeframe !== "string" || typeof ev.seq !== "number" || ev.candle?.closed !== true) return;
      const key = `${ev.symbol}|${ev.timeframe}`;
      const last = candleSeqs.current.get(key);
      candleSeqs.current.set(key, ev.seq);
      if (last !== undefined && ev.seq !== last + 1) void queryClient.invalidateQueries({ queryKey: qk.candlesOf(ev.symbol, ev.timeframe as Timeframe) });
    });
    for (const event of FEED_EVENTS) {
      if (event === "hello") continue;
      socket.on(event, (payload: unknown) => batcher.push(event, payload));
    }

    return () => {
      if (retryTimer) clearTimeout(retryTimer);
      stopRefetchAfterAnswers?.();
      batcher.dispose();
      socket.removeAllListeners();
      socket.disconnect();
      socketRef.current = null;
    };
  }, [queryClient]);

  const subscribeOrderbook = useCallback((symbol: string) => {
    const counts = subscriptions.current;
    const count = counts.get(symbol) ?? 0;
    counts.set(symbol, count + 1);
    if (count === 0 && socketRef.current?.connected) socketRef.current.emit("subscribe", { orderbook: symbol });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (counts.get(symbol) ?? 1) - 1;
      if (left > 0) {
        counts.set(symbol, left);
        return;
      }
      counts.delete(symbol);
      if (socketRef.current?.connected) socketRef.current.emit("unsubscribe", { orderbook: symbol });
    };
  }, []);

  const subscribeCandles = useCallback((symbol: string, timeframe: string) => {
    const streams = candleStreams.current;
    const key = `${symbol}|${timeframe}`;
    const entry = streams.get(key);
    if (entry) entry.count += 1;
    else {
      streams.set(key, { symbol, timeframe, count: 1 });
      const socket = socketRef.current;
      if (socket?.connected) emitCandleSubscribe(socket, [{ symbol, timeframe }], candleSeqs.current);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const current = streams.get(key);
      if (!current) return;
      if (--current.count > 0) return;
      streams.delete(key);
      candleSeqs.current.delete(key);
      if (socketRef.current?.connected) socketRef.current.emit("unsubscribe", { candles: [{ symbol, timeframe }] });
    };
  }, []);

  const value = useMemo<FeedContextValue>(() => ({ ...state, subscribeOrderbook, subscribeCandles }), [state, subscribeOrderbook, subscribeCandles]);
  return <FeedContext.Provider value={value}>{children}</FeedContext.Provider>;
}

/** Subscribe to candle streams; the server's ack says each stream's current sequence number. */
function emitCandleSubscribe(socket: Socket, streams: Array<{ symbol: string; timeframe: string }>, seqs: Map<string, number>): void {
  socket.emit("subscribe", { candles: streams }, (ack: { candles?: Array<{ symbol: string; timeframe: string; seq: number }> } | undefined) => {
    for (const s of ack?.candles ?? []) {
      const key = `${s.symbol}|${s.timeframe}`;
      if (!seqs.has(key) && typeof s.seq === "number") seqs.set(key, s.seq);
    }
  });
}

/** Live candles of one stream while the calling component is mounted (the chart's hook calls it). */
export function useCandleStream(symbol: string | undefined, timeframe: string): void {
  const feed = useContext(FeedContext);
  const subscribe = feed?.subscribeCandles;
  useEffect(() => {
    if (!symbol || !subscribe) return;
    return subscribe(symbol, timeframe);
  }, [symbol, timeframe, subscribe]);
}

export function useFeed(): FeedContextValue {
  const value = useContext(FeedContext);
  if (!value) throw new Error("useFeed must be used inside <FeedProvider>");
  return value;
}
