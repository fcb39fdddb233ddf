import type { PositionSide } from "../model/types";

/**
 * The one key of a position in maps and sets: its symbol, the strategy instance that owns it (none for
 * unattributed or venue-wide positions) and, where longs and shorts of one symbol are told apart, its
 * side. Only for in-memory lookups: never stored, never parsed back.
 */
export function positionKey(symbol: string, strategyInstanceId?: string, side?: PositionSide): string {
  const owned = `${symbol}\u001f${strategyInstanceId ?? ""}`;
  return side === undefined ? owned : `${owned}\u001f${side}`;
}
