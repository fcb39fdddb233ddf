"use client";

import { useQuery } from "@tanstack/react-query";
import { apiFetch } from "../lib/api";
import { qk } from "../lib/query-keys";
import type { Mode, StatusDto } from "../lib/types";

/** Mode, venue, equity, trading state and feed health. Pushed by the `status` event; polled as a safety net. */
export function useStatus() {
  return useQuery({
    queryKey: qk.status,
    queryFn: ({ signal }) => apiFetch<StatusDto>("/api/status", { signal }),
    refetchInterval: 15_000,
  });
}

/** The current trading mode, once known. */
export function useCurrentMode(): Mode | undefined {
  return useStatus().data?.mode;
}
