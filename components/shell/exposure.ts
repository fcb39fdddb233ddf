import type { PositionDto } from "../lib/types";

/** Gross exposure of open positions at the mark price (the entry price while no mark is known). */
export function exposureOf(positions: readonly Pick<PositionDto, "quantity" | "markPrice" | "avgEntryPrice">[]): number {
  let sum = 0;
  for (const p of positions) {
    const price = p.markPrice ?? p.avgEntryPrice;
    if (Number.isFinite(price) && Number.isFinite(p.quantity)) sum += Math.abs(p.quantity * price);
  }
  return Math.round(sum * 100) / 100;
}
