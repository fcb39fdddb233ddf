import { z } from "zod";
import type { Candle, ExitReason, PositionSide } from "../model/types";

/**
 * Protective exits of a position: fixed stop loss, take profit, trailing stop and ATR stop.
 *
 * Intra-candle assumption (documented for the backtest report): a candle only tells us its open, high,
 * low and close, not the path between them. When a stop and the take profit both lie inside one
 * candle's range we assume the STOP was hit first. That is the conservative choice: a backtest never
 * books a win that may have been a loss. Among several stops inside the range, the one nearest the
 * open (the highest for a long, the lowest for a short) is hit first.
 *
 * Execution price of a trigger: the level itself, or the candle's open when the candle opened beyond
 * the level (a gap: the first price available was the open). A plain price (a tick) is treated as a
 * candle with open = high = low = close = price, so a crossed level exits at that price.
 *
 * Trailing stops: once the best price since entry (extremePrice) has gained trailingActivationPct over
 * the average entry price, the trail sits trailingDistancePct behind the extreme and only ever moves in
 * the position's favour. The levels in force at the start of a candle are the ones checked against that
 * candle; the candle's high/low then advance the extreme for the next one (call checkExits before
 * advanceTrailing / Ledger.markCandle).
 */

export const exitRulesSchema = z.object({
  /** Stop loss distance from the entry price, % (null = no automatic stop). */
  stopLossPct: z.number().positive().lt(100).nullable().default(2),
  /** Take profit distance from the entry price, % (null = no automatic target). */
  takeProfitPct: z.number().positive().nullable().default(5),
  /** Gain over the entry price, %, after which the trailing stop becomes active (null = no trailing stop). */
  trailingActivationPct: z.number().min(0).nullable().default(3),
  /** Distance of the trailing stop behind the best price since entry, % (null = no trailing stop). */
  trailingDistancePct: z.number().positive().lt(100).nullable().default(1),
  /** ATR stop distance from the entry price in multiples of the ATR at entry (null = no ATR stop). */
  atrMultiple: z.number().positive().nullable().default(null),
});

/**
 * Exit rules of a position. The stop loss and take profit defaults mirror the risk module's
 * defaultStopLossPct (2%) and defaultTakeProfitPct (5%) of the Phase 2 plan (issue 16; they were 1% and
 * 1.5%, a target below the trailing stop's +3% activation, so the trail could never act). Now a winner
 * past +3% is trailed 1% behind its best price and only the ones that keep running reach +5%.
 */
export type ExitRules = z.infer<typeof exitRulesSchema>;
export type ExitRulesInput = z.input<typeof exitRulesSchema>;
export const DEFAULT_EXIT_RULES: ExitRules = exitRulesSchema.parse({});

/** Validate and complete exit rules; throws a ZodError naming the bad field. */
export function parseExitRules(input: ExitRulesInput = {}): ExitRules {
  return exitRulesSchema.parse(input);
}

export interface ProtectiveLevels {
  stopLoss?: number;
  takeProfit?: number;
  atrStop?: number;
}

/**
 * Levels for a new position from its entry price and the exit rules. `atr` (the ATR at entry, in price
 * units) is needed only for the ATR stop; without it no ATR stop is set.
 */
export function protectiveLevels(side: PositionSide, entryPrice: number, rules: ExitRules, atr?: number): ProtectiveLevels {
  const sign = side === "long" ? 1 : -1;
  const levels: ProtectiveLevels = {};
  if (rules.stopLossPct !== null) levels.stopLoss = entryPrice * (1 - (sign * rules.stopLossPct) / 100);
  if (rules.takeProfitPct !== null) {
    const target = entryPrice * (1 + (sign * rules.takeProfitPct) / 100);
    // A short's target cannot be at or below zero; such a rule simply sets no target.
    if (target > 0) levels.takeProfit = target;
  }
  if (rules.atrMultiple !== null && atr !== undefined && atr > 0) {
    const level = entryPrice - sign * rules.atrMultiple * atr;
    if (level > 0) levels.atrStop = level;
  }
  return levels;
}

/** What checkExits and advanceTrailing read from a position; a Position or LedgerPosition fits. */
export interface ProtectedPosition {
  side: PositionSide;
  avgEntryPrice: number;
  stopLoss?: number;
  takeProfit?: number;
  /** Active trailing stop level; undefined until the trail has activated. */
  trailingStop?: number;
  atrStop?: number;
  /** Best price since entry: highest for a long, lowest for a short. */
  extremePrice: number;
  /** Per-position trailing parameters; null or undefined = no trailing stop. */
  trailingActivationPct?: number | null;
  trailingDistancePct?: number | null;
}

export type PriceBar = Pick<Candle, "open" | "high" | "low" | "close">;
export type ProtectiveExitReason = Extract<ExitReason, "stop_loss" | "take_profit" | "trailing_stop" | "atr_stop">;

export interface ExitTrigger {
  reason: ProtectiveExitReason;
  /** Assumed execution price: the level, or the open when the bar opened beyond it. */
  price: number;
  /** The protective level that was crossed. */
  level: number;
  at: number;
  /** A sentence for the trade history, e.g. "Stop loss 19800 hit (low 19750); exit at 19800". */
  text: string;
}

const LABEL: Record<ProtectiveExitReason, string> = {
  stop_loss: "Stop loss",
  take_profit: "Take profit",
  trailing_stop: "Trailing stop",
  atr_stop: "ATR stop",
};

function describe(reason: ProtectiveExitReason, level: number, extremeName: string, extreme: number, price: number): string {
  return `${LABEL[reason]} ${formatPrice(level)} hit (${extremeName} ${formatPrice(extreme)}); exit at ${formatPrice(price)}`;
}

/** Prices in reason texts: 10 significant digits, no locale separators. */
function formatPrice(value: number): string {
  return Number(value.toPrecision(10)).toString();
}

/**
 * Which protective exit, if any, the bar (or price) triggers for the position. Pure: it reads the
 * levels in force and never moves them. Returns null when nothing triggered (no allocation then).
 * Order: stops (stop loss, ATR stop, trailing stop: the one nearest the open first; on a tie stop loss,
 * then ATR stop, then trailing stop) before the take profit, per the intra-candle assumption above.
 */
export function checkExits(position: ProtectedPosition, bar: PriceBar | number, now: number): ExitTrigger | null {
  let open: number, high: number, low: number;
  if (typeof bar === "number") {
    open = high = low = bar;
  } else {
    open = bar.open;
    high = bar.high;
    low = bar.low;
  }
  const { stopLoss, atrStop, trailingStop, takeProfit } = position;
  if (position.side === "long") {
    // The highest stop is reached first on the way down.
    let stopReason: ProtectiveExitReason | null = null;
    let stopLevel = -Infinity;
    if (stopLoss !== undefined && stopLoss > stopLevel) {
      stopLevel = stopLoss;
      stopReason = "stop_loss";
    }
    if (atrStop !== undefined && atrStop > stopLevel) {
      stopLevel = atrStop;
      stopReason = "atr_stop";
    }
    if (trailingStop !== undefined && trailingStop > stopLevel) {
      stopLevel = trailingStop;
      stopReason = "trailing_stop";
    }
    if (stopReason !== null && low <= stopLevel) {
      const price = Math.min(open, stopLevel);
      return { reason: stopReason, price, level: stopLevel, at: now, text: describe(stopReason, stopLevel, "low", low, price) };
    }
    if (takeProfit !== undefined && high >= takeProfit) {
      const price = Math.max(open, takeProfit);
      return { reason: "take_profit", price, level: takeProfit, at: now, text: describe("take_profit", takeProfit, "high", high, price) };
    }
    return null;
  }
  // Short: the lowest stop above the price is reached first on the way up.
  let stopReason: ProtectiveExitReason | null = null;
  let stopLevel = Infinity;
  if (stopLoss !== undefined && stopLoss < stopLevel) {
    stopLevel = stopLoss;
    stopReason = "stop_loss";
  }
  if (atrStop !== undefined && atrStop < stopLevel) {
    stopLevel = atrStop;
    stopReason = "atr_stop";
  }
  if (trailingStop !== undefined && trailingStop < stopLevel) {
    stopLevel = trailingStop;
    stopReason = "trailing_stop";
  }
  if (stopReason !== null && high >= stopLevel) {
    const price = Math.max(open, stopLevel);
    return { reason: stopReason, price, level: stopLevel, at: now, text: describe(stopReason, stopLevel, "high", high, price) };
  }
  if (takeProfit !== undefined && low <= takeProfit) {
    const price = Math.min(open, takeProfit);
    return { reason: "take_profit", price, level: takeProfit, at: now, text: describe("take_profit", takeProfit, "low", low, price) };
  }
  return null;
}

/**
 * Move the position's best price with a bar's high/low (or a tick: high = low = price) and activate or
 * ratchet its trailing stop. Mutates the position; allocation-free. The trail never moves against the
 * position.
 */
export function advanceTrailing(position: ProtectedPosition, high: number, low: number): void {
  const activation = position.trailingActivationPct;
  const distance = position.trailingDistancePct;
  if (position.side === "long") {
    if (high > position.extremePrice) position.extremePrice = high;
    if (activation == null || distance == null) return;
    const extreme = position.extremePrice;
    if (extreme < position.avgEntryPrice * (1 + activation / 100)) return;
    const level = extreme * (1 - distance / 100);
    if (position.trailingStop === undefined || level > position.trailingStop) position.trailingStop = level;
    return;
  }
  if (low < position.extremePrice) position.extremePrice = low;
  if (activation == null || distance == null) return;
  const extreme = position.extremePrice;
  if (extreme > position.avgEntryPrice * (1 - activation / 100)) return;
  const level = extreme * (1 + distance / 100);
  if (position.trailingStop === undefined || level < position.trailingStop) position.trailingStop = level;
}
