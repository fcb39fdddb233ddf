"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiFetch } from "../lib/api";
import type { PairListDto, StrategyKindsReportDto } from "../lib/types";

export const strategiesKeys = {
  report: ["strategies", "kinds-report"] as const,
  pairs: ["pairs"] as const,
};

/** Kinds (built-in and user files) with the files that did not load and recent runtime faults. */
export function useStrategyKindsReport() {
  return useQuery({
    queryKey: strategiesKeys.report,
    queryFn: ({ signal }) => apiFetch<StrategyKindsReportDto>("/api/strategies/kinds?include=errors", { signal }),
    refetchInterval: 10_000,
  });
}

export function usePairList() {
  return useQuery({
    queryKey: strategiesKeys.pairs,
    queryFn: ({ signal }) => apiFetch<PairListDto>("/api/pairs", { signal }),
    staleTime: 60_000,
    retry: false,
  });
}

export function useRefreshPairs() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => apiFetch<PairListDto>("/api/pairs/refresh", { method: "POST", body: {} }),
    onSuccess: (list) => client.setQueryData(strategiesKeys.pairs, list),
  });
}
