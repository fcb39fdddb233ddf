import { TIMEFRAME_MS, type Candle, type Signal, type Timeframe } from "../model/types";
import { formatUtc } from "./format";
import { parseParams } from "./params";
import { getStrategyDefinition } from "./registry";
import type { StrategyDefinition } from "./registry-types";
import type { Strategy, StrategyPosition } from "./types";
import { freshDefinition, generatedCandles } from "./user/loader";

/**
 * Look-ahead check (Freqtrade's lookahead-analysis, for incremental strategies): replay the strategy
 * over a history with everything it could have learnt from that history already in memory, then, for
 * each signal, replay again from a freshly loaded file with the history cut off at that signal's
 * candle. An honest strategy decides the same both times; one that used anything beyond its candle
 * (module-level caches filled by an earlier pass, a candle that was not finished, a look at the next
 * row) changes, and every changed signal is reported.
 */

export interface LookaheadFinding {
  candleOpenTime: number;
  symbol: string;
  timeframe: Timeframe;
  /** What the full replay did at this candle, and what the cut-off replay did. */
  full: string;
  cut: string;
}

export interface LookaheadReport {
  kind: string;
  candles: number;
  signals: number;
  checked: number;
  findings: LookaheadFinding[];
  passed: boolean;
}

export interface LookaheadOptions {
  params?: Record<string, unknown>;
  symbol?: string;
  timeframe?: Timeframe;
  /** History of the entry timeframe (other subscribed timeframes are generated alongside); default: a seeded random walk. */
  candles?: Candle[];
  count?: number;
  /** At most this many signals are re-checked (spread over the run). */
  maxChecks?: number;
}

const describe = (signals: readonly Signal[]) => (signals.length ? signals.map((s) => s.action).join(" + ") : "nothing");

function nextPosition(position: StrategyPosition, signals: readonly Signal[]): StrategyPosition {
  let p = position;
  for (const s of signals) {
    if (s.action === "enter_long") p = "long";
    else if (s.action === "enter_short") p = "short";
    else if ((s.action === "exit_long" && p === "long") || (s.action === "exit_short" && p === "short")) p = "none";
  }
  return p;
}

interface Replay {
  /** Signals per index of the entry-timeframe candle list. */
  byIndex: Map<number, readonly Signal[]>;
}

function replay(strategy: Strategy, timeline: readonly Candle[], entry: readonly Candle[], lastEntryIndex: number): Replay {
  const indexOf = new Map(entry.map((c, i) => [c.openTime, i]));
  const byIndex = new Map<number, readonly Signal[]>();
  let position: StrategyPosition = "none";
  let entryPrice: number | undefined;
  const stopAt = entry[lastEntryIndex].openTime + TIMEFRAME_MS[entry[lastEntryIndex].timeframe];
  for (const candle of timeline) {
    const closeTime = candle.openTime + TIMEFRAME_MS[candle.timeframe];
    if (closeTime > stopAt) break;
    const signals = strategy.onCandle(candle, { now: closeTime, position, entryPrice });
    if (candle.timeframe === entry[0].timeframe && candle.symbol === entry[0].symbol) {
      const i = indexOf.get(candle.openTime);
      if (i !== undefined && signals.length) byIndex.set(i, signals);
    }
    const next = nextPosition(position, signals);
    if (next !== position) entryPrice = next === "none" ? undefined : candle.close;
    position = next;
  }
  return { byIndex };
}

function timelineFor(definition: StrategyDefinition, params: unknown, options: LookaheadOptions): { timeline: Candle[]; entry: Candle[]; probe: Strategy } {
  const symbol = options.symbol ?? options.candles?.[0]?.symbol ?? "CHECK/USDT";
  const timeframe = options.timeframe ?? options.candles?.[0]?.timeframe ?? definition.defaultTimeframe;
  const probe = definition.create({ id: "lookahead-probe", symbols: [symbol], timeframe }, params as never);
  const entry = options.candles ?? generatedCandles(symbol, timeframe, options.count ?? 3_000, 23);
  const start = entry[0].openTime;
  const end = entry[entry.length - 1].openTime + TIMEFRAME_MS[timeframe];
  const others = [...new Set(probe.subscriptions.map((s) => s.timeframe))].filter((tf) => tf !== timeframe);
  const extra = others.flatMap((tf) => generatedCandles(symbol, tf, Math.floor((end - start) / TIMEFRAME_MS[tf]), 29, start));
  const timeline = [...entry, ...extra].sort((a, b) => a.openTime + TIMEFRAME_MS[a.timeframe] - (b.openTime + TIMEFRAME_MS[b.timeframe]) || TIMEFRAME_MS[a.timeframe] - TIMEFRAME_MS[b.timeframe]);
  return { timeline, entry, probe };
}

export function checkLookahead(kind: string, options: LookaheadOptions = {}): LookaheadReport {
  const definition = getStrategyDefinition(kind);
  const params = parseParams(kind, definition.paramsSchema, options.params ?? {});
  const { timeline, entry, probe } = timelineFor(definition, params, options);
  const symbol = entry[0].symbol;
  const timeframe = entry[0].timeframe;
  const create = (def: StrategyDefinition, id: string) => def.create({ id, symbols: [symbol], timeframe }, params as never);

  // 1. A priming pass over the whole history (what a vectorised backtest computes up front), then the
  //    reference replay, both with the same loaded file: anything kept outside the instance survives.
  const loaded = freshDefinition(kind);
  replay(create(loaded, "lookahead-prime"), timeline, entry, entry.length - 1);
  const full = replay(create(loaded, "lookahead-full"), timeline, entry, entry.length - 1);

  // 2. Each signal's candle again, from a fresh file, with the history ending at that candle.
  const signalIndexes = [...full.byIndex.keys()].sort((a, b) => a - b);
  const maxChecks = options.maxChecks ?? 60;
  const step = Math.max(1, Math.ceil(signalIndexes.length / maxChecks));
  const checkedIndexes = signalIndexes.filter((_, n) => n % step === 0);
  const findings: LookaheadFinding[] = [];
  for (const i of checkedIndexes) {
    const cut = replay(create(freshDefinition(kind), `lookahead-cut-${i}`), timeline, entry, i);
    const a = full.byIndex.get(i) ?? [];
    const b = cut.byIndex.get(i) ?? [];
    const same = a.length === b.length && a.every((s, k) => s.action === b[k].action && s.price === b[k].price && s.reason === b[k].reason && s.stopLoss === b[k].stopLoss && s.takeProfit === b[k].takeProfit);
    if (!same) findings.push({ candleOpenTime: entry[i].openTime, symbol, timeframe, full: describe(a), cut: describe(b) });
  }
  void probe;
  return { kind, candles: timeline.length, signals: signalIndexes.length, checked: checkedIndexes.length, findings, passed: findings.length === 0 };
}

/** The report as lines for the terminal. */
export function formatLookaheadReport(report: LookaheadReport): string[] {
  const head = `${report.passed ? "PASS" : "FAIL"} ${report.kind}: ${report.checked} of ${report.signals} signals re-run with the future cut off over ${report.candles} candles`;
  if (report.passed) return [`${head}; none changed`];
  return [
    `${head}; ${report.findings.length} changed: the strategy used something it could not have known at that candle (state kept outside setup(), the next candle, an unfinished candle)`,
    ...report.findings.map((f) => `  ${f.symbol} ${f.timeframe} candle ${formatUtc(f.candleOpenTime)}: with the whole history ${f.full}; with the future cut off ${f.cut}`),
  ];
}
