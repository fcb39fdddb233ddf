"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiFetch } from "../lib/api";
import { isFinished, type BacktestDetail, type BacktestListItem } from "./backtest-view";

/** The backtest API: runs are queued, progress is polled while they run. */

const keys = {
  all: ["backtests"] as const,
  list: ["backtests", "list"] as const,
  detail: (id: string) => ["backtests", "detail", id] as const,
};

export function useBacktests() {
  return useQuery({
    queryKey: keys.list,
    queryFn: ({ signal }) => apiFetch<{ items: BacktestListItem[]; total: number }>("/api/backtests", { query: { limit: 50 }, signal }),
    // Poll while something is queued or running; otherwise the list only changes through this page.
    refetchInterval: (query) => (query.state.data?.items.some((r) => !isFinished(r.status)) ? 1_500 : false),
  });
}

export function useBacktest(id: string | undefined) {
  return useQuery({
    queryKey: keys.detail(id ?? ""),
    queryFn: ({ signal }) => apiFetch<BacktestDetail>(`/api/backtests/${encodeURIComponent(id!)}`, { signal }),
    enabled: !!id,
    refetchInterval: (query) => (query.state.data && !isFinished(query.state.data.status) ? 1_000 : false),
    // A finished run never changes.
    staleTime: (query) => (query.state.data && isFinished(query.state.data.status) ? Number.POSITIVE_INFINITY : 0),
  });
}

export function useStartBacktest() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (config: unknown) => apiFetch<{ id: string; status: string }>("/api/backtests", { method: "POST", body: config }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: keys.list }),
  });
}

export function useDeleteBacktest() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiFetch<{ deleted: boolean; cancelled: boolean }>(`/api/backtests/${encodeURIComponent(id)}`, { method: "DELETE" }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: keys.all }),
  });
}

export function exportUrl(id: string, format: "json" | "csv", part: "trades" | "equity" = "trades"): string {
  return `/api/backtests/${encodeURIComponent(id)}/export?format=${format}${format === "csv" ? `&part=${part}` : ""}`;
}
