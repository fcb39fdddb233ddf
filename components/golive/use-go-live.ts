"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiFetch } from "../lib/api";
import { qk } from "../lib/query-keys";
import type { DriftReport, GoLiveAcknowledgementDto, GoLiveDto, ReconciliationActionInput, ReconciliationPanel } from "../lib/types";

export type { GoLiveDto };

const keys = {
  goLive: ["go-live"] as const,
  drift: (from: number, to: number) => ["drift", from, to] as const,
  reconciliation: ["reconciliation"] as const,
};

export function useGoLive() {
  return useQuery({ queryKey: keys.goLive, queryFn: ({ signal }) => apiFetch<GoLiveDto>("/api/go-live", { signal }), refetchInterval: 30_000 });
}

export function useAcknowledgeRisk() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => apiFetch<GoLiveAcknowledgementDto>("/api/go-live/acknowledge", { method: "POST", body: {} }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: keys.goLive }),
  });
}

export function useDrift(from: number, to: number) {
  // The window follows the market clock, which moves minutes per second on a fast simulator: keep the
  // last report on screen while the next window loads instead of flashing the skeleton on every tick.
  return useQuery({
    queryKey: keys.drift(from, to),
    queryFn: ({ signal }) => apiFetch<DriftReport>("/api/drift", { query: { from, to }, signal }),
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });
}

export function useReconciliation() {
  return useQuery({ queryKey: keys.reconciliation, queryFn: ({ signal }) => apiFetch<ReconciliationPanel>("/api/reconciliation", { signal }), refetchInterval: 30_000 });
}

export function useReconciliationAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ReconciliationActionInput) =>
      apiFetch<unknown>("/api/reconciliation/actions", { method: "POST", body }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: keys.reconciliation });
      // adopt / close / mark closed change the live ledger: its positions, orders and the header's figures.
      void queryClient.invalidateQueries({ queryKey: qk.positionsAll });
      void queryClient.invalidateQueries({ queryKey: qk.ordersAll });
      void queryClient.invalidateQueries({ queryKey: qk.status });
    },
  });
}
