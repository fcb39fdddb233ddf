import type { PerformanceMetrics } from "../portfolio";
import type { BacktestConfigInput } from "./config";
import type { BacktestData } from "./data";
import { runBacktest } from "./runner";

/** What the optimiser ranks parameter sets by. */
export const OBJECTIVES = ["sharpe", "sortino", "profitFactor", "returnOverDrawdown"] as const;
export type Objective = (typeof OBJECTIVES)[number];

/** The figures of one run the optimiser keeps (the full result would be too big to keep thousands of). */
export interface EvaluationMetrics {
  trades: number;
  winRatePct: number | null;
  totalReturnPct: number | null;
  maxDrawdownPct: number | null;
  sharpe: number | null;
  sortino: number | null;
  profitFactor: number | null;
  profitFactorInfinite: boolean;
  expectancy: number | null;
  feesPaid: number;
}

export interface Evaluation {
  params: Record<string, unknown>;
  /** The objective's value; null when it is undefined for the run (no trades, no drawdown...). */
  objective: number | null;
  /** True when the objective is unbounded (a profit factor or return/drawdown with no loss at all). */
  objectiveInfinite: boolean;
  /** Below minTrades: ranked after every run that traded enough. */
  tooFewTrades: boolean;
  metrics: EvaluationMetrics;
  candles: number;
}

export interface EvaluateRequest {
  config: BacktestConfigInput;
  objective: Objective;
  minTrades: number;
  /** The optimised strategy's position in config.strategies (its params are reported). */
  strategyIndex: number;
}

export function objectiveOf(metrics: PerformanceMetrics, objective: Objective): { value: number | null; infinite: boolean } {
  switch (objective) {
    case "sharpe":
      return { value: metrics.sharpe, infinite: false };
    case "sortino":
      return { value: metrics.sortino, infinite: false };
    case "profitFactor":
      return { value: metrics.profitFactor, infinite: metrics.profitFactorInfinite };
    case "returnOverDrawdown": {
      const ret = metrics.totalReturnPct;
      const dd = metrics.maxDrawdown?.pct ?? 0;
      if (ret === null) return { value: null, infinite: false };
      if (dd > 0) return { value: ret / dd, infinite: false };
      return { value: null, infinite: ret > 0 };
    }
  }
}

/** Sort key: unbounded first, then by value, undefined last; too few trades after everything else. */
export function rankKey(e: Pick<Evaluation, "objective" | "objectiveInfinite" | "tooFewTrades">): [number, number] {
  const value = e.objectiveInfinite ? Number.POSITIVE_INFINITY : (e.objective ?? Number.NEGATIVE_INFINITY);
  return [e.tooFewTrades ? 1 : 0, value];
}

export function compareEvaluations(a: Evaluation, b: Evaluation): number {
  const [ta, va] = rankKey(a);
  const [tb, vb] = rankKey(b);
  if (ta !== tb) return ta - tb;
  if (va !== vb) return vb > va ? 1 : -1;
  return 0;
}

/** options.signal stops the run; options.yieldEvery gives the event loop a turn now and then (a BullMQ worker renewing its job lock). */
export async function evaluateConfig(request: EvaluateRequest, data: BacktestData, options: { signal?: AbortSignal; yieldEvery?: boolean } = {}): Promise<Evaluation> {
  const result = await runBacktest(request.config, { data, lean: true, signal: options.signal, yieldEvery: options.yieldEvery });
  const m = result.metrics;
  const { value, infinite } = objectiveOf(m, request.objective);
  return {
    params: result.strategies[request.strategyIndex]?.params ?? {},
    objective: value,
    objectiveInfinite: infinite,
    tooFewTrades: m.trades < request.minTrades,
    metrics: {
      trades: m.trades,
      winRatePct: m.winRatePct,
      totalReturnPct: m.totalReturnPct,
      maxDrawdownPct: m.maxDrawdown?.pct ?? null,
      sharpe: m.sharpe,
      sortino: m.sortino,
      profitFactor: m.profitFactor,
      profitFactorInfinite: m.profitFactorInfinite,
      expectancy: m.expectancy,
      feesPaid: m.feesPaid,
    },
    candles: result.range.candles,
  };
}
