"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiFetch } from "../lib/api";
import type { SessionConfigDto, SessionDto } from "../lib/types";

export const SESSIONS_KEY = ["sessions"] as const;

/** Every session, newest first. Polled every 2 s while one runs (its P&L and countdown move), else slowly. */
export function useSessions() {
  return useQuery({
    queryKey: SESSIONS_KEY,
    queryFn: ({ signal }) => apiFetch<SessionDto[]>("/api/sessions", { signal }),
    refetchInterval: (query) => (query.state.data?.some((s) => s.status === "running") ? 2_000 : 15_000),
  });
}

export function useStartSession() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (config: SessionConfigDto) => apiFetch<SessionDto>("/api/sessions", { method: "POST", body: config }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: SESSIONS_KEY }),
  });
}

export function useStopSession() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiFetch<SessionDto>(`/api/sessions/${encodeURIComponent(id)}/stop`, { method: "POST", body: {} }),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: SESSIONS_KEY }),
  });
}

export function reportUrl(id: string, format: "csv" | "hourly" | "json"): string {
  return `/api/sessions/${encodeURIComponent(id)}/report?format=${format}`;
}
