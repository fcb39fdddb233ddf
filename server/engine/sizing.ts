import { floorToStep } from "../core/decimal";
import type { RiskLimits } from "../config/risk-limits";
import type { Instrument, PositionSide } from "../model/types";

export interface SizingInput {
  side: PositionSide;
  price: number;
  equity: number;
  freeQuote: number;
  limits: Readonly<RiskLimits>;
  /** The strategy instance's capital budget (quote); it caps the position too. */
  capital?: number;
  stopLoss?: number;
  takerFee: number;
  instrument?: Instrument;
  /** The signal's confidence, 0..1 (signal.data.confidence); absent = full allowed size. */
  confidence?: number;
}

export interface Sizing {
  quantity: number;
  notional: number;
  /** Which cap decided the size, for the order's reason. */
  boundBy: "equity_pct" | "max_quote" | "capital" | "trade_loss" | "cash";
  /** Phase 6 plan: share of the allowed size taken for the signal's confidence (1, 0.7 or 0.3). */
  confidenceFactor: number;
  confidenceTier: ConfidenceTier;
}

export type ConfidenceTier = "high" | "medium" | "low" | "unstated";

/**
 * Sizing by signal confidence (Phase 6 plan): high 1.0×, medium 0.7×, low 0.3× of the size every limit
 * allows. High is confidence ≥ 0.7, medium ≥ 0.4, low below; a signal that states none is sized in full.
 */
export const CONFIDENCE_SIZING = { highFrom: 0.7, mediumFrom: 0.4, high: 1, medium: 0.7, low: 0.3 } as const;

export function confidenceScale(confidence: number | undefined): { factor: number; tier: ConfidenceTier } {
  if (confidence === undefined || !Number.isFinite(confidence)) return { factor: 1, tier: "unstated" };
  if (confidence >= CONFIDENCE_SIZING.highFrom) return { factor: CONFIDENCE_SIZING.high, tier: "high" };
  if (confidence >= CONFIDENCE_SIZING.mediumFrom) return { factor: CONFIDENCE_SIZING.medium, tier: "medium" };
  return { factor: CONFIDENCE_SIZING.low, tier: "low" };
}

/** The words for the order's reason, e.g. "size 0.7× (medium confidence 0.55)". */
export function confidenceReason(sizing: Pick<Sizing, "confidenceFactor" | "confidenceTier">, confidence?: number): string {
  if (sizing.confidenceTier === "unstated") return "full size (no confidence stated)";
  return `size ${sizing.confidenceFactor}× (${sizing.confidenceTier} confidence${confidence !== undefined ? ` ${confidence.toFixed(2)}` : ""})`;
}

/**
 * Size an entry as large as every limit allows and no larger: the risk engine then checks the same
 * limits independently, so a sizing bug can never get past it. The quantity is floored to the lot step.
 */
export function sizeEntry(input: SizingInput): Sizing {
  const { price, equity, limits } = input;
  const caps: Array<[Sizing["boundBy"], number]> = [
    ["equity_pct", (equity * limits.maxPositionPctEquity) / 100],
    ["max_quote", limits.maxPositionQuote ?? Number.POSITIVE_INFINITY],
    ["capital", input.capital ?? Number.POSITIVE_INFINITY],
    ["cash", (input.freeQuote - (equity * limits.stablecoinReservePct) / 100) / (1 + input.takerFee)],
  ];
  if (input.stopLoss !== undefined && input.stopLoss > 0) {
    const stopDistance = Math.abs(price - input.stopLoss) / price;
    if (stopDistance > 0) caps.push(["trade_loss", (equity * limits.maxTradeLossPct) / 100 / stopDistance]);
  }
  let [boundBy, notional] = caps[0];
  for (const [name, cap] of caps) {
    if (cap < notional) {
      notional = cap;
      boundBy = name;
    }
  }
  const { factor, tier } = confidenceScale(input.confidence);
  notional = Math.max(0, notional) * factor;
  // Keep a hair of room so rounding at the venue never pushes the order over the cap.
  const raw = (notional * 0.999) / price;
  const quantity = input.instrument ? floorToStep(raw, input.instrument.stepSize) : raw;
  return { quantity, notional: quantity * price, boundBy, confidenceFactor: factor, confidenceTier: tier };
}
