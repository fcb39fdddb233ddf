"use client";

import { useQuery } from "@tanstack/react-query";
import { apiFetch } from "../lib/api";
import { qk } from "../lib/query-keys";
import type { HealthDto, SystemDto } from "../lib/types";

export function useSystem() {
  return useQuery({
    queryKey: qk.system,
    queryFn: ({ signal }) => apiFetch<SystemDto>("/api/system", { signal }),
    refetchInterval: 5_000,
  });
}

/**
 * GET /api/health: the reconciliation's status and findings (a fill the ledger could not book, balances
 * that differ) beside the status's one-line summary. It answers 503 while starting: then the page keeps
 * the summary of GET /api/status.
 */
export function useHealth() {
  return useQuery({
    queryKey: qk.health,
    queryFn: ({ signal }) => apiFetch<HealthDto>("/api/health", { signal }),
    refetchInterval: 10_000,
    retry: false,
  });
}
