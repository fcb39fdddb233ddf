"use client";

import { useQuery } from "@tanstack/react-query";
import { apiFetch } from "../lib/api";
import { qk } from "../lib/query-keys";
import type { Mode, StatusDto } from "../lib/types";

const statusQuery = {
  queryKey: qk.status,
  queryFn: ({ signal }: { signal: AbortSignal }) => apiFetch<StatusDto>("/api/status", { signal }),
  refetchInterval: 15_000,
};

/** Mode, venue, equity, trading state and feed health. Pushed by the `status` event; polled as a safety net. */
export function useStatus() {
  return useQuery(statusQuery);
}

const modeOf = (status: StatusDto) => status.mode;

/** The current trading mode, once known: re-renders when the mode changes, not on every status push (1/s). */
export function useCurrentMode(): Mode | undefined {
  return useQuery({ ...statusQuery, select: modeOf }).data;
}
