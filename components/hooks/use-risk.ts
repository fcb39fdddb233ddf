"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiFetch } from "../lib/api";
import { qk } from "../lib/query-keys";
import { stageOf } from "../shell/kill-switch-phase";
import type { KillSwitchAction, KillSwitchStatusDto, RiskDto, RiskEventDto, RiskLimitsDto } from "../lib/types";

export function useRisk(enabled = true) {
  return useQuery({
    queryKey: qk.risk,
    queryFn: ({ signal }) => apiFetch<RiskDto>("/api/risk", { signal }),
    enabled,
    refetchInterval: 10_000,
  });
}

export function useRiskEvents(limit = 100, kind = "") {
  return useQuery({
    queryKey: qk.riskEvents(limit, kind),
    queryFn: ({ signal }) => apiFetch<RiskEventDto[]>("/api/risk/events", { query: { limit, kind }, signal }),
  });
}

export function useUpdateLimits() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (patch: RiskLimitsDto) => apiFetch<unknown>("/api/risk/limits", { method: "PATCH", body: patch }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: qk.risk }),
  });
}

export function useKillSwitch() {
  return useQuery({
    queryKey: qk.killSwitch,
    queryFn: ({ signal }) => apiFetch<{ status: KillSwitchStatusDto }>("/api/kill-switch", { signal }),
    select: (data) => data.status,
    refetchInterval: (query) => {
      // While it runs, poll as well as listen: the progress must never look stuck.
      return stageOf(query.state.data?.status?.phase) === "running" ? 1_000 : 30_000;
    },
  });
}

export function useTriggerKillSwitch() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (action: KillSwitchAction) =>
      apiFetch<{ status: KillSwitchStatusDto }>("/api/kill-switch", { method: "POST", body: { action, confirm: true } }),
    onSuccess: (data) => {
      if (data?.status) queryClient.setQueryData(qk.killSwitch, { status: data.status });
      void queryClient.invalidateQueries({ queryKey: qk.status });
    },
  });
}

export function useResetKillSwitch() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => apiFetch<unknown>("/api/kill-switch/reset", { method: "POST", body: { confirm: true } }),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: qk.status });
      void queryClient.invalidateQueries({ queryKey: qk.killSwitch });
      void queryClient.invalidateQueries({ queryKey: qk.risk });
    },
  });
}
