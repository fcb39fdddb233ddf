"use client";

import type { ServerFeature } from "@/server/contract";
import { useStatus } from "./use-status";

export type { ServerFeature };

/**
 * Capabilities the server says it has (`GET /api/status` → `features: string[]`, docs/api.md "Dashboard
 * requests"). The UI only calls an endpoint that is not in the original contract once the server lists it,
 * so an older server gives a clear message instead of a 404 in the console.
 */
export function useFeatures(): { has: (f: ServerFeature) => boolean; known: boolean } {
  const status = useStatus();
  const list = status.data?.features;
  return { has: (f) => Array.isArray(list) && list.includes(f), known: !!status.data };
}

export const FEATURE_MISSING = "This server does not offer this yet (it needs a newer Tradekeel server).";
