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
}

export interface Sizing {
  quantity: number;
  notional: number;
  /** Which cap decided the size, for the order's reason. */
  boundBy: "equity_pct" | "max_quote" | "capital" | "trade_loss" | "cash";
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
  notional = Math.max(0, notional);
  // Keep a hair of room so rounding at the venue never pushes the order over the cap.
  const raw = (notional * 0.999) / price;
  const quantity = input.instrument ? floorToStep(raw, input.instrument.stepSize) : raw;
  return { quantity, notional: quantity * price, boundBy };
}
