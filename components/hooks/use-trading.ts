"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiFetch, withQuery } from "../lib/api";
import { qk, type TradeFilters } from "../lib/query-keys";
import type {
  ClosePositionResultDto,
  EquityPointDto,
  ManualOrderInput,
  Mode,
  OrderPreviewDto,
  OrderDto,
  Page,
  PerformanceDto,
  PositionDto,
  SignalDto,
  SignalStatsDto,
  TradeDetailDto,
  TradeDto,
  TradesPageDto,
} from "../lib/types";

export function usePositions(mode: Mode | undefined) {
  return useQuery({
    queryKey: qk.positions(mode ?? "paper"),
    queryFn: ({ signal }) => apiFetch<PositionDto[]>("/api/positions", { query: { mode }, signal }),
    enabled: !!mode,
    refetchInterval: 30_000,
  });
}

/** Close a position at market; `quantity` closes only part of it (needs the server's "positions.partialClose"). */
export function useClosePosition() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (target: string | { id: string; quantity?: number }) => {
      const { id, quantity } = typeof target === "string" ? { id: target, quantity: undefined } : target;
      return apiFetch<ClosePositionResultDto>(`/api/positions/${encodeURIComponent(id)}/close`, {
        method: "POST",
        body: quantity === undefined ? {} : { quantity },
      });
    },
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: qk.positionsAll });
      void queryClient.invalidateQueries({ queryKey: qk.ordersAll });
      void queryClient.invalidateQueries({ queryKey: qk.exitAlarms });
    },
  });
}

export function useOrders(mode: Mode | undefined, status: "open" | "all" = "all", limit = 100) {
  return useQuery({
    queryKey: qk.orders(mode ?? "paper", status, limit),
    queryFn: ({ signal }) => apiFetch<OrderDto[]>("/api/orders", { query: { status, mode, limit }, signal }),
    enabled: !!mode,
    refetchInterval: 30_000,
  });
}

/** Query string of the trade filters, shared by the table and the export links. */
export function tradeQuery(filters: Omit<TradeFilters, "page" | "pageSize"> & { page?: number; pageSize?: number }) {
  return {
    mode: filters.mode,
    symbol: filters.symbol,
    side: filters.side,
    strategy: filters.strategy,
    result: filters.result,
    from: filters.from,
    to: filters.to,
    sort: filters.sort,
    order: filters.order,
    page: filters.page,
    pageSize: filters.pageSize,
  };
}

export function tradeExportUrl(format: "csv" | "json", filters: Omit<TradeFilters, "page" | "pageSize">): string {
  return withQuery("/api/trades/export", { format, ...tradeQuery(filters) });
}

export function useTrades(filters: TradeFilters, enabled = true) {
  return useQuery({
    queryKey: qk.trades(filters),
    queryFn: ({ signal }) => apiFetch<TradesPageDto>("/api/trades", { query: tradeQuery(filters), signal }),
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** Number of closed trades since a time (optionally only wins or losses): one row requested, `total` used. */
export function useTradeCount(mode: Mode | undefined, from: number, result?: "win" | "loss") {
  return useQuery({
    queryKey: qk.tradesSince(mode ?? "paper", from, result),
    queryFn: ({ signal }) =>
      apiFetch<Page<TradeDto>>("/api/trades", { query: { mode, from, result, page: 1, pageSize: 1 }, signal }),
    enabled: !!mode,
    select: (page) => page.total,
  });
}

export function useTradeDetail(id: string | null) {
  return useQuery({
    queryKey: qk.tradeDetail(id ?? ""),
    queryFn: ({ signal }) => apiFetch<TradeDetailDto>(`/api/trades/${encodeURIComponent(id ?? "")}`, { signal }),
    enabled: !!id,
    staleTime: Infinity,
  });
}

export function useSignals(mode: Mode | undefined, limit = 100) {
  return useQuery({
    queryKey: qk.signals(mode ?? "ghost", limit),
    queryFn: ({ signal }) => apiFetch<SignalDto[]>("/api/signals", { query: { mode, limit }, signal }),
    enabled: !!mode,
    refetchInterval: 60_000,
  });
}

export function useSignalStats(mode: Mode | undefined) {
  return useQuery({
    queryKey: qk.signalStats(mode ?? "ghost"),
    queryFn: ({ signal }) => apiFetch<SignalStatsDto>("/api/signals/stats", { query: { mode }, signal }),
    enabled: !!mode,
    refetchInterval: 60_000,
  });
}

export function useEquity(mode: Mode | undefined, limit = 5000) {
  return useQuery({
    queryKey: qk.equity(mode ?? "paper", limit),
    queryFn: ({ signal }) => apiFetch<EquityPointDto[]>("/api/equity", { query: { mode, limit }, signal }),
    enabled: !!mode,
  });
}

export function usePerformance(mode: Mode | undefined) {
  return useQuery({
    queryKey: qk.performance(mode ?? "paper"),
    queryFn: ({ signal }) => apiFetch<PerformanceDto>("/api/performance", { query: { mode }, signal }),
    enabled: !!mode,
    refetchInterval: 60_000,
  });
}

function invalidateTrading(queryClient: ReturnType<typeof useQueryClient>) {
  void queryClient.invalidateQueries({ queryKey: qk.positionsAll });
  void queryClient.invalidateQueries({ queryKey: qk.ordersAll });
  void queryClient.invalidateQueries({ queryKey: qk.status });
}

/** A manual order through the risk engine (`POST /api/orders`). */
export function usePlaceOrder() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: ManualOrderInput) => apiFetch<{ order: OrderDto }>("/api/orders", { method: "POST", body: input }),
    onSettled: () => invalidateTrading(queryClient),
  });
}

/** The risk engine's decision on an order, nothing sent (`POST /api/orders/preview`, feature "orders.preview"). */
export function usePreviewOrder() {
  return useMutation({
    mutationFn: (input: ManualOrderInput) => apiFetch<OrderPreviewDto>("/api/orders/preview", { method: "POST", body: input }),
  });
}

/** Cancel one working order (`POST /api/orders/{clientOrderId}/cancel`, feature "orders.cancel"). */
export function useCancelOrder() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (clientOrderId: string) =>
      apiFetch<{ order: OrderDto }>(`/api/orders/${encodeURIComponent(clientOrderId)}/cancel`, { method: "POST", body: {} }),
    onSettled: () => invalidateTrading(queryClient),
  });
}
