"use client";

import { useQuery } from "@tanstack/react-query";
import { apiFetch } from "../lib/api";
import { qk } from "../lib/query-keys";
import type { SystemDto } from "../lib/types";

export function useSystem() {
  return useQuery({
    queryKey: qk.system,
    queryFn: ({ signal }) => apiFetch<SystemDto>("/api/system", { signal }),
    refetchInterval: 5_000,
  });
}
