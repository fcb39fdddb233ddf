"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiFetch } from "../lib/api";
import { qk } from "../lib/query-keys";
import type { GoLiveChecklist } from "@/server/golive/checklist";
import type { DriftReport } from "@/server/golive/drift";
import type { ReconciliationAction, ReconciliationPanel } from "@/server/golive/reconciliation";
import type { LiveRampState } from "@/server/risk";
import type { LiveRules } from "@/server/config/risk-limits";

/** GET /api/go-live (server/golive/service.ts getGoLive). */
export type GoLiveDto = GoLiveChecklist & { ramp: LiveRampState & { capQuote: number | null }; limits: { live: LiveRules } };

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
    mutationFn: () => apiFetch<unknown>("/api/go-live/acknowledge", { method: "POST", body: {} }),
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
    mutationFn: (body: { key: string; action: ReconciliationAction; stopLoss?: number; reason?: string }) =>
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
