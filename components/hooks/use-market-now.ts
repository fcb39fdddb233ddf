"use client";

import { isNum } from "../lib/format";
import { useNow } from "./use-now";
import { useStatus } from "./use-status";

/**
 * "Now" on the engine's clock, for ages of market events (position opened 3m ago, book updated 1s ago).
 * The simulator may run faster than real time; `marketTime` in /api/status says where its clock is, and
 * between two status updates it is carried forward with the wall clock. Without it, the wall clock.
 */
export function useMarketNow(intervalMs = 1_000): number | null {
  const now = useNow(intervalMs);
  const status = useStatus();
  if (now === null) return null;
  const marketTime = status.data?.marketTime;
  if (!isNum(marketTime) || !status.dataUpdatedAt) return now;
  return marketTime + Math.max(0, now - status.dataUpdatedAt);
}
