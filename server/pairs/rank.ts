import { z } from "zod";

/**
 * Pair selection (the master plan: "prioritise pairs with optimal volatility + liquidity"). Pure: the
 * figures of each symbol in, a ranked list with the numbers and a sentence behind every rank out.
 *
 * Score = liquidity × weight + volatility × (1 − weight), each 0..100:
 * - liquidity: the mean of three percentile ranks among the candidates — 24 h quote volume (more is
 *   better), spread (tighter is better), book depth within ±depthPct of the mid (deeper is better);
 * - volatility: 100 when ATR % sits at the target, falling linearly to 0 at the edges of the allowed band
 *   (too quiet to pay the fees, or too wild for the stops).
 * Filters (thresholds) drop a pair before ranking and say which one failed; the whitelist wins over
 * everything: a pair outside it is never selected, a pair inside it is only ranked.
 */

export interface PairFigures {
  symbol: string;
  lastPrice: number;
  /** 24 h traded volume in quote currency. */
  quoteVolume: number;
  /** (ask − bid) / mid, basis points. */
  spreadBps: number;
  /** Bid + ask quote value resting within ±depthPct of the mid. */
  depthQuote: number;
  /** Average true range over the ATR window as % of the last close. */
  atrPct: number;
  /** Why a figure is missing (the pair is then not ranked). */
  error?: string;
}

export interface PairThresholds {
  minQuoteVolume: number;
  maxSpreadBps: number;
  minDepthQuote: number;
  minAtrPct: number;
  maxAtrPct: number;
  /** ATR % the volatility score is best at. */
  targetAtrPct: number;
  /** Share of the score from liquidity (the rest from volatility), 0..1. */
  liquidityWeight: number;
  /** Pairs selected for the strategies. */
  top: number;
  /** When non-empty, only these symbols can be selected. */
  whitelist: readonly string[];
}

/** Defaults for 1 h candles on a major venue: at least 1 M USDT a day, spread ≤ 10 bps, 10 k USDT within ±1 %. */
export const DEFAULT_PAIR_THRESHOLDS: PairThresholds = {
  minQuoteVolume: 1_000_000,
  maxSpreadBps: 10,
  minDepthQuote: 10_000,
  minAtrPct: 0.2,
  maxAtrPct: 5,
  targetAtrPct: 1,
  liquidityWeight: 0.5,
  top: 5,
  whitelist: [],
};

export interface RankedPair extends PairFigures {
  /** 1 = best; null when filtered out. */
  rank: number | null;
  selected: boolean;
  score: number | null;
  liquidityScore: number | null;
  volatilityScore: number | null;
  /** Percentile ranks (0..100) behind the liquidity score. */
  percentiles: { quoteVolume: number; spread: number; depth: number } | null;
  /** Filters the pair failed (empty when it passed). */
  failed: string[];
  /** The rank in one sentence, with the numbers. */
  reason: string;
}

export interface PairList {
  at: number;
  thresholds: PairThresholds;
  pairs: RankedPair[];
  /** The selected symbols, best first (what the strategies trade when they follow the pair list). */
  selected: string[];
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const compact = (n: number) => (n >= 1e9 ? `${round(n / 1e9)} B` : n >= 1e6 ? `${round(n / 1e6)} M` : n >= 1e3 ? `${round(n / 1e3)} k` : `${round(n)}`);

/** Percentile rank of each value among `values` (0 = worst, 100 = best; ties share the mean rank). */
function percentiles(values: readonly number[], higherIsBetter: boolean): number[] {
  if (values.length === 1) return [100];
  return values.map((v) => {
    let below = 0;
    let equal = 0;
    for (const w of values) {
      if (w === v) equal++;
      else if (higherIsBetter ? w < v : w > v) below++;
    }
    return ((below + (equal - 1) / 2) / (values.length - 1)) * 100;
  });
}

function volatilityScore(atrPct: number, t: PairThresholds): number {
  if (atrPct < t.minAtrPct || atrPct > t.maxAtrPct) return 0;
  if (atrPct <= t.targetAtrPct) return t.targetAtrPct === t.minAtrPct ? 100 : ((atrPct - t.minAtrPct) / (t.targetAtrPct - t.minAtrPct)) * 100;
  return t.maxAtrPct === t.targetAtrPct ? 100 : ((t.maxAtrPct - atrPct) / (t.maxAtrPct - t.targetAtrPct)) * 100;
}

function failures(f: PairFigures, t: PairThresholds, quote: string): string[] {
  const out: string[] = [];
  if (f.error) out.push(f.error);
  if (t.whitelist.length > 0 && !t.whitelist.includes(f.symbol)) out.push("not in the whitelist");
  if (!(f.quoteVolume >= t.minQuoteVolume)) out.push(`24 h volume ${compact(f.quoteVolume)} ${quote} below ${compact(t.minQuoteVolume)} ${quote}`);
  if (!(f.spreadBps <= t.maxSpreadBps)) out.push(`spread ${round(f.spreadBps)} bps above ${t.maxSpreadBps} bps`);
  if (!(f.depthQuote >= t.minDepthQuote)) out.push(`book depth ${compact(f.depthQuote)} ${quote} below ${compact(t.minDepthQuote)} ${quote}`);
  if (!(f.atrPct >= t.minAtrPct)) out.push(`ATR ${round(f.atrPct)} % below ${t.minAtrPct} % (too quiet to pay the fees)`);
  if (!(f.atrPct <= t.maxAtrPct)) out.push(`ATR ${round(f.atrPct)} % above ${t.maxAtrPct} % (too wild for the stops)`);
  return out;
}

export function rankPairs(figures: readonly PairFigures[], thresholds: Partial<PairThresholds> = {}, at = 0, quote = "USDT"): PairList {
  const t: PairThresholds = { ...DEFAULT_PAIR_THRESHOLDS, ...thresholds };
  const checked = figures.map((f) => ({ f, failed: failures(f, t, quote) }));
  const passing = checked.filter((c) => c.failed.length === 0).map((c) => c.f);
  const vol = percentiles(passing.map((f) => f.quoteVolume), true);
  const spread = percentiles(passing.map((f) => f.spreadBps), false);
  const depth = percentiles(passing.map((f) => f.depthQuote), true);
  const scored = passing.map((f, i) => {
    const liquidity = (vol[i] + spread[i] + depth[i]) / 3;
    const volatility = volatilityScore(f.atrPct, t);
    return { f, liquidity, volatility, score: liquidity * t.liquidityWeight + volatility * (1 - t.liquidityWeight), p: { quoteVolume: vol[i], spread: spread[i], depth: depth[i] } };
  });
  scored.sort((a, b) => b.score - a.score || b.f.quoteVolume - a.f.quoteVolume || a.f.symbol.localeCompare(b.f.symbol));
  const n = scored.length;
  const ranked: RankedPair[] = scored.map((s, i) => {
    const selected = i < t.top;
    const reason =
      `#${i + 1} of ${n}, score ${round(s.score, 1)} (liquidity ${round(s.liquidity, 1)}, volatility ${round(s.volatility, 1)}): ` +
      `24 h volume ${compact(s.f.quoteVolume)} ${quote}, spread ${round(s.f.spreadBps)} bps, depth ±1 % ${compact(s.f.depthQuote)} ${quote}, ` +
      `ATR ${round(s.f.atrPct)} % of price (best at ${t.targetAtrPct} %)${selected ? "; selected" : `; below the top ${t.top}`}`;
    return {
      ...s.f,
      rank: i + 1,
      selected,
      score: round(s.score, 2),
      liquidityScore: round(s.liquidity, 2),
      volatilityScore: round(s.volatility, 2),
      percentiles: { quoteVolume: round(s.p.quoteVolume, 1), spread: round(s.p.spread, 1), depth: round(s.p.depth, 1) },
      failed: [],
      reason,
    };
  });
  const dropped: RankedPair[] = checked
    .filter((c) => c.failed.length > 0)
    .sort((a, b) => a.f.symbol.localeCompare(b.f.symbol))
    .map(({ f, failed }) => ({ ...f, rank: null, selected: false, score: null, liquidityScore: null, volatilityScore: null, percentiles: null, failed, reason: `not ranked: ${failed.join("; ")}` }));
  const pairs = [...ranked, ...dropped];
  return { at, thresholds: t, pairs, selected: ranked.filter((p) => p.selected).map((p) => p.symbol) };
}

/**
 * The symbols a strategy instance trades when it follows the pair list: the selection, kept to the
 * instance's own symbols when it names some (the instance's list and the whitelist win), else the
 * whole selection. Empty selection = the instance's own symbols unchanged.
 */
export function symbolsForStrategy(list: PairList | undefined, ownSymbols: readonly string[]): string[] {
  if (!list || list.selected.length === 0) return [...ownSymbols];
  if (ownSymbols.length === 0) return [...list.selected];
  const chosen = list.selected.filter((s) => ownSymbols.includes(s));
  return chosen.length > 0 ? chosen : [...ownSymbols];
}

/** Thresholds a caller may override for a what-if ranking (POST /api/pairs/refresh). */
export const pairThresholdsSchema = z
  .strictObject({
    minQuoteVolume: z.number().min(0).finite(),
    maxSpreadBps: z.number().positive().finite(),
    minDepthQuote: z.number().min(0).finite(),
    minAtrPct: z.number().min(0).finite(),
    maxAtrPct: z.number().positive().finite(),
    targetAtrPct: z.number().positive().finite(),
    liquidityWeight: z.number().min(0).max(1),
    top: z.number().int().min(1).max(100),
    whitelist: z.array(z.string().min(1)).max(500),
  })
  .partial();
