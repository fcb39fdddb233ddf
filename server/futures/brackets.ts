import { Decimal, QUOTE_DP } from "../core/decimal";

/**
 * Binance-style maintenance-margin brackets of a USDⓈ-M perpetual (GET /fapi/v1/leverageBracket):
 * notional tiers, each with a maintenance margin rate and a maintenance amount ("cum").
 *
 * Maintenance margin of a position = |notional| × maintMarginRate − maintAmount, with the bracket
 * whose [notionalFloor, notionalCap) holds the notional. Binance publishes maintAmount so that the
 * maintenance margin is continuous at every tier boundary:
 *   maintAmount(n) = maintAmount(n−1) + notionalFloor(n) × (maintMarginRate(n) − maintMarginRate(n−1)),
 * which bracketsFromTiers derives from the rates alone.
 */
export interface MarginBracket {
  /** Tier number, from 1. */
  readonly bracket: number;
  /** Inclusive lower bound of the tier's notional (quote). */
  readonly notionalFloor: number;
  /** Exclusive upper bound (Infinity for the last tier). */
  readonly notionalCap: number;
  /** Fraction, e.g. 0.004 = 0.4 %. */
  readonly maintMarginRate: number;
  /** Quote; Binance's "cum". */
  readonly maintAmount: number;
  /** Highest leverage Binance allows within the tier ("initialLeverage"). */
  readonly maxLeverage: number;
}

export interface BracketTier {
  /** Exclusive upper bound of the tier's notional (Infinity for the last). */
  readonly notionalCap: number;
  readonly maintMarginRate: number;
  readonly maxLeverage: number;
}

export class FuturesMathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FuturesMathError";
  }
}

/** Brackets from tiers in ascending order of notional, with each maintAmount derived for continuity. */
export function bracketsFromTiers(tiers: readonly BracketTier[]): MarginBracket[] {
  if (tiers.length === 0) throw new FuturesMathError("a contract needs at least one margin bracket");
  const out: MarginBracket[] = [];
  let floor = new Decimal(0);
  let cum = new Decimal(0);
  let prevRate = new Decimal(0);
  tiers.forEach((t, i) => {
    if (!(t.maintMarginRate >= 0 && t.maintMarginRate < 1)) throw new FuturesMathError(`bracket ${i + 1}: maintMarginRate must be in [0, 1), got ${t.maintMarginRate}`);
    if (!(t.notionalCap > floor.toNumber())) throw new FuturesMathError(`bracket ${i + 1}: notionalCap ${t.notionalCap} must exceed its floor ${floor.toNumber()}`);
    if (!(t.maxLeverage >= 1)) throw new FuturesMathError(`bracket ${i + 1}: maxLeverage must be ≥ 1, got ${t.maxLeverage}`);
    const rate = new Decimal(t.maintMarginRate);
    cum = cum.plus(floor.mul(rate.minus(prevRate)));
    out.push({
      bracket: i + 1,
      notionalFloor: floor.toNumber(),
      notionalCap: t.notionalCap,
      maintMarginRate: t.maintMarginRate,
      maintAmount: cum.toDecimalPlaces(QUOTE_DP, Decimal.ROUND_HALF_EVEN).toNumber(),
      maxLeverage: t.maxLeverage,
    });
    prevRate = rate;
    if (Number.isFinite(t.notionalCap)) floor = new Decimal(t.notionalCap);
  });
  if (Number.isFinite(out[out.length - 1].notionalCap)) throw new FuturesMathError("the last margin bracket must be open-ended (notionalCap Infinity)");
  return out;
}

/** Checks a venue's bracket table: ascending, contiguous from 0, open-ended, rates in [0, 1). */
export function validateBrackets(brackets: readonly MarginBracket[]): void {
  if (brackets.length === 0) throw new FuturesMathError("a contract needs at least one margin bracket");
  let floor = 0;
  for (const b of brackets) {
    if (b.notionalFloor !== floor) throw new FuturesMathError(`bracket ${b.bracket}: floor ${b.notionalFloor} does not continue from ${floor}`);
    if (!(b.notionalCap > b.notionalFloor)) throw new FuturesMathError(`bracket ${b.bracket}: cap ${b.notionalCap} ≤ floor ${b.notionalFloor}`);
    if (!(b.maintMarginRate >= 0 && b.maintMarginRate < 1)) throw new FuturesMathError(`bracket ${b.bracket}: maintMarginRate ${b.maintMarginRate} not in [0, 1)`);
    if (!(b.maintAmount >= 0)) throw new FuturesMathError(`bracket ${b.bracket}: maintAmount ${b.maintAmount} < 0`);
    floor = b.notionalCap;
  }
  if (Number.isFinite(floor)) throw new FuturesMathError("the last margin bracket must be open-ended (notionalCap Infinity)");
}

/** The bracket whose [notionalFloor, notionalCap) holds |notional|. */
export function bracketFor(brackets: readonly MarginBracket[], notional: number): MarginBracket {
  const n = Math.abs(notional);
  for (const b of brackets) if (n >= b.notionalFloor && n < b.notionalCap) return b;
  if (brackets.length === 0) throw new FuturesMathError("no margin brackets");
  return brackets[brackets.length - 1];
}

/**
 * An example table in Binance's shape (the tiers Binance published for BTCUSDT in 2023: 0.4 % up to
 * 50,000, then 0.5 %, 1 %, 2.5 %, 5 %, 10 %, 12.5 %, 15 %, 25 %, 50 %), for backtests and tests when
 * the venue states none. Live and paper trading take the venue's own table.
 */
export const EXAMPLE_BTC_BRACKETS: readonly MarginBracket[] = bracketsFromTiers([
  { notionalCap: 50_000, maintMarginRate: 0.004, maxLeverage: 125 },
  { notionalCap: 500_000, maintMarginRate: 0.005, maxLeverage: 100 },
  { notionalCap: 8_000_000, maintMarginRate: 0.01, maxLeverage: 50 },
  { notionalCap: 50_000_000, maintMarginRate: 0.025, maxLeverage: 20 },
  { notionalCap: 80_000_000, maintMarginRate: 0.05, maxLeverage: 10 },
  { notionalCap: 100_000_000, maintMarginRate: 0.1, maxLeverage: 5 },
  { notionalCap: 200_000_000, maintMarginRate: 0.125, maxLeverage: 4 },
  { notionalCap: 300_000_000, maintMarginRate: 0.15, maxLeverage: 3 },
  { notionalCap: 500_000_000, maintMarginRate: 0.25, maxLeverage: 2 },
  { notionalCap: Number.POSITIVE_INFINITY, maintMarginRate: 0.5, maxLeverage: 1 },
]);
