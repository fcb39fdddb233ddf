import { TIMEFRAME_MS, type Signal, type SignalAction } from "../model/types";
import type { ConsensusReading } from "./consensus";
import { formatContribution, formatOne, formatProbability, formatShare, formatSignedPct } from "./format";
import { REGIME_TITLES, type RegimeReading } from "./regime";
import type { InsightSnapshot, ModelInsight } from "./snapshot";

/**
 * Plain-language reasons built from the numbers that produced them. Every number is printed with a
 * fixed number of decimals (see ./format), so what a sentence says can be checked against the data.
 */

const ACTION_VERBS: Record<SignalAction, string> = {
  enter_long: "Entered long",
  exit_long: "Exited long",
  enter_short: "Entered short",
  exit_short: "Exited short",
};

/** "regime trending up (ADX 31.2, EMA50 slope +0.42% over 10 candles, volatility percentile 55.0)" */
export function describeRegime(regime: RegimeReading): string {
  const e = regime.evidence;
  const parts = [`ADX ${formatOne(e.adx)}`];
  if (e.ema50SlopePct !== null) parts.push(`EMA50 slope ${formatSignedPct(e.ema50SlopePct)} over 10 candles`);
  if (e.volatilityPercentile !== null) parts.push(`volatility percentile ${formatOne(e.volatilityPercentile)}`);
  return `regime ${REGIME_TITLES[regime.label]} (${parts.join(", ")})`;
}

/** "indicators lean bullish (4 bullish, 1 bearish, 3 neutral)" */
export function describeConsensus(consensus: ConsensusReading): string {
  const n = consensus.net;
  const lean = n.lean === "neutral" ? "are mixed" : `lean ${n.lean}`;
  return `indicators ${lean} (${n.bullish} bullish, ${n.bearish} bearish, ${n.neutral} neutral)`;
}

/** "model probability 0.62 vs base rate 0.51 (out-of-sample accuracy 55.1% vs 51.0% majority on 1234 samples)" */
export function describeModel(model: ModelInsight): string {
  const o = model.outOfSample;
  const caveat = model.significant ? "" : ", not significantly better than the majority guess";
  return (
    `model probability ${formatProbability(model.probability)} vs base rate ${formatProbability(o.baseRate)} ` +
    `(out-of-sample accuracy ${formatShare(o.accuracy)} vs ${formatShare(o.majorityAccuracy)} majority on ${o.samples} samples${caveat})`
  );
}

/** A snapshot says something about a signal when it is for the same market and at most one candle older. */
export function snapshotApplies(signal: Pick<Signal, "symbol" | "timeframe" | "timestamp">, snapshot: InsightSnapshot | undefined): snapshot is InsightSnapshot {
  if (!snapshot || snapshot.symbol !== signal.symbol || snapshot.timeframe !== signal.timeframe) return false;
  const period = TIMEFRAME_MS[snapshot.timeframe];
  const snapshotClose = snapshot.candleTime + period;
  // The signal is stamped at (or just after) the close of its candle.
  return signal.timestamp - snapshotClose <= period && snapshotClose <= signal.timestamp + period;
}

/**
 * The reason of a signal, enriched with the market context:
 * "Entered long: EMA9 crossed above EMA21 …; regime trending up (ADX 31.2, …); indicators lean bullish (…);
 *  model probability 0.62 vs base rate 0.51 (…)".
 * Without an applicable snapshot (another market, or older than one candle) the strategy's own reason is
 * kept, prefixed with what happened; nothing is made up.
 */
export function explainSignal(signal: Pick<Signal, "action" | "reason" | "symbol" | "timeframe" | "timestamp">, snapshot?: InsightSnapshot): string {
  const head = `${ACTION_VERBS[signal.action] ?? signal.action}: ${signal.reason.trim()}`;
  if (!snapshotApplies(signal, snapshot)) return head;
  const parts = [head, describeRegime(snapshot.regime), describeConsensus(snapshot.consensus)];
  if (snapshot.model) parts.push(describeModel(snapshot.model));
  return parts.join("; ");
}

/** The signal with its reason enriched and the context numbers added to its data (for audit and the UI). */
export function enrichSignal<S extends Signal>(signal: S, snapshot?: InsightSnapshot): S {
  if (!snapshotApplies(signal, snapshot)) return signal;
  const data: Signal["data"] = { ...signal.data, regime: snapshot.regime.label, regimeAdx: snapshot.regime.evidence.adx, consensus: snapshot.consensus.net.lean };
  if (snapshot.model) {
    data.modelProbability = snapshot.model.probability;
    data.modelBaseRate = snapshot.model.outOfSample.baseRate;
    data.modelId = snapshot.model.id;
  }
  return { ...signal, reason: explainSignal(signal, snapshot), data };
}

export interface RiskInsight {
  /** ok < 70 % of every limit, warn from 70 %, danger from 90 %; unknown without usage figures. */
  level: "ok" | "warn" | "danger" | "unknown";
  /** The limit closest to being reached. */
  worst: { key: string; label: string; used: number | null; limit: number | null; unit: string | null; ratio: number } | null;
  tradingState?: string;
}

/** The reasons shown with the insights, one sentence per topic, each carrying its numbers. */
export function insightReasons(snapshot: InsightSnapshot, risk?: RiskInsight): string[] {
  const out: string[] = [];
  const r = snapshot.regime;
  out.push(`${capitalize(describeRegime(r))}: ${r.rule}.`);
  const c = snapshot.consensus;
  const names = (lean: string) => c.items.filter((i) => i.lean === lean).map((i) => i.indicator);
  const bull = names("bullish");
  const bear = names("bearish");
  out.push(
    `${capitalize(describeConsensus(c))}, score ${c.net.score >= 0 ? "+" : ""}${c.net.score}` +
      `${bull.length ? `; bullish: ${bull.join(", ")}` : ""}${bear.length ? `; bearish: ${bear.join(", ")}` : ""}.`,
  );
  const m = snapshot.model;
  if (m) {
    out.push(`Model ${m.id}: ${describeModel(m)}; the probability is that ${snapshot.symbol} closes higher ${m.horizon} candles from now.`);
    const drivers = m.contributions.slice(0, 3).map((x) => `${x.feature} ${formatContribution(x.contribution)}`);
    out.push(`Strongest model drivers (coefficient × standardised value, positive = towards higher): ${drivers.join(", ")}.`);
    if (!m.significant) {
      out.push(
        `Out of sample the model's edge over always guessing the majority (${formatShare(m.outOfSample.accuracyEdge)}) does not exceed two standard errors (${formatShare(2 * m.outOfSample.accuracyStdErr)}): treat its probability as no signal.`,
      );
    }
  } else {
    out.push(`No model probability: ${snapshot.modelStatus}.`);
  }
  if (risk?.worst) {
    out.push(`Risk ${risk.level}: the closest limit is ${risk.worst.label} at ${formatShare(risk.worst.ratio)} of its limit.`);
  }
  return out;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
