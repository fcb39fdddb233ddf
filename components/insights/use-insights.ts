"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, apiFetch } from "../lib/api";
import type { Timeframe } from "../lib/types";
import type { InsightsDto, ModelSummaryDto, TrainResultDto } from "./types";

/** Query keys of the insights resources (prefix "insights"). */
export const insightsKeys = {
  all: ["insights"] as const,
  of: (symbol: string, timeframe: Timeframe) => ["insights", "snapshot", symbol, timeframe] as const,
  models: (symbol: string, timeframe: Timeframe) => ["insights", "models", symbol, timeframe] as const,
};

/** Insights of one market; refreshed every 30 s (the server caches a few seconds and computes on request). */
export function useInsights(symbol: string | undefined, timeframe: Timeframe) {
  return useQuery({
    queryKey: insightsKeys.of(symbol ?? "", timeframe),
    queryFn: ({ signal }) => apiFetch<InsightsDto>("/api/insights", { query: { symbol, timeframe }, signal }),
    enabled: !!symbol,
    refetchInterval: 30_000,
    staleTime: 10_000,
    // Not wired (503), too little history (422) or a bad symbol (4xx) will not fix itself in a second.
    retry: (count, err) => count < 1 && !(err instanceof ApiError && err.status >= 400),
  });
}

export function useModels(symbol: string | undefined, timeframe: Timeframe) {
  return useQuery({
    queryKey: insightsKeys.models(symbol ?? "", timeframe),
    queryFn: ({ signal }) => apiFetch<ModelSummaryDto[]>("/api/insights/models", { query: { symbol, timeframe }, signal }),
    enabled: !!symbol,
    staleTime: 30_000,
  });
}

export function useTrainModel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { symbol: string; timeframe: Timeframe }) => apiFetch<TrainResultDto>("/api/insights/train", { method: "POST", body: input }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: insightsKeys.all }),
  });
}

/** An LLM summary on demand (the server rate-limits and caches; off unless configured). */
export function useSummary() {
  return useMutation({
    mutationFn: (input: { symbol: string; timeframe: Timeframe }) =>
      apiFetch<InsightsDto>("/api/insights", { query: { ...input, summary: true } }).then((d) => d.summary),
  });
}
