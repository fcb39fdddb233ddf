import type { PrismaClient } from "../db";

/**
 * What paper did not tell you: for the same signals, what each mode produced. Paper runs in the
 * shadow of live (the same signals are booked on the paper ledger too), so every live entry has a
 * paper twin with the same signal id. Per signal: fill price against the signal price (slippage in
 * basis points, positive = worse for the trader), fees, the delay from signal to first fill, whether
 * it filled at all, and the trade's P&L; then the gap live − paper per trade and cumulated.
 * Pure computation (computeDrift) and its database loader (loadDrift).
 */

export type DriftMode = "backtest" | "paper" | "live";
export const DRIFT_MODES: readonly DriftMode[] = ["backtest", "paper", "live"];

export interface DriftSignal {
  id: string;
  symbol: string;
  /** "enter_long" | "enter_short" */
  action: string;
  price: number;
  at: number;
}

export interface DriftOrder {
  mode: string;
  signalId: string;
  side: "buy" | "sell";
  status: string;
  filledQuantity: number;
  avgFillPrice: number;
  fee: number;
  createdAt: number;
  firstFillAt: number | null;
  /** P&L of the round trip this entry opened, net of fees; null while open. */
  tradePnl: number | null;
}

export interface DriftLeg {
  filled: boolean;
  status: string;
  fillPrice: number | null;
  slippageBps: number | null;
  fee: number;
  delayMs: number | null;
  pnl: number | null;
}

export interface DriftRow {
  signalId: string;
  symbol: string;
  side: "buy" | "sell";
  signalPrice: number;
  at: number;
  legs: Partial<Record<DriftMode, DriftLeg>>;
  /** Both filled but one in a mode only: "paper" = filled on paper, not live. */
  filledOnlyIn: DriftMode | null;
  /** live P&L − paper P&L of this trade (null unless both closed). */
  pnlGap: number | null;
  /** Sum of pnlGap up to and including this row. */
  cumulativeGap: number;
}

export interface DriftModeSummary {
  orders: number;
  filled: number;
  fees: number;
  pnl: number;
  slippageBps: { mean: number | null; p50: number | null; p90: number | null; max: number | null };
  delayMs: { mean: number | null; p50: number | null; p90: number | null };
}

export interface DriftReport {
  from: number;
  to: number;
  rows: DriftRow[];
  byMode: Partial<Record<DriftMode, DriftModeSummary>>;
  /** Signals filled in one mode and not the other, per mode that filled. */
  filledOnlyIn: Partial<Record<DriftMode, number>>;
  cumulativeGap: number;
  /** Slippage histogram live and paper, buckets of 5 bps. */
  slippageHistogram: { bucketBps: number; paper: number; live: number }[];
}

function quantile(sorted: number[], q: number): number | null {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}
const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null);
const round = (n: number | null, dp = 4) => (n === null || !Number.isFinite(n) ? null : Number(n.toFixed(dp)));

/** Slippage in bps, positive when the fill is worse than the signal price for the order's side. */
export function slippageBps(side: "buy" | "sell", signalPrice: number, fillPrice: number): number {
  const raw = ((fillPrice - signalPrice) / signalPrice) * 10_000;
  return side === "buy" ? raw : -raw;
}

export function computeDrift(input: { from: number; to: number; signals: readonly DriftSignal[]; orders: readonly DriftOrder[] }): DriftReport {
  const bySignal = new Map<string, DriftOrder[]>();
  for (const o of input.orders) {
    if (!DRIFT_MODES.includes(o.mode as DriftMode)) continue;
    const list = bySignal.get(o.signalId) ?? [];
    list.push(o);
    bySignal.set(o.signalId, list);
  }
  const rows: DriftRow[] = [];
  let cumulative = 0;
  const onlyIn: Partial<Record<DriftMode, number>> = {};
  for (const s of [...input.signals].sort((a, b) => a.at - b.at || a.id.localeCompare(b.id))) {
    const orders = bySignal.get(s.id);
    if (!orders?.length) continue;
    const legs: Partial<Record<DriftMode, DriftLeg>> = {};
    let side: "buy" | "sell" = s.action === "enter_short" ? "sell" : "buy";
    for (const o of orders) {
      side = o.side;
      const filled = o.filledQuantity > 0;
      legs[o.mode as DriftMode] = {
        filled,
        status: o.status,
        fillPrice: filled ? o.avgFillPrice : null,
        slippageBps: filled && s.price > 0 ? round(slippageBps(o.side, s.price, o.avgFillPrice), 2) : null,
        fee: o.fee,
        delayMs: filled && o.firstFillAt !== null ? Math.max(0, o.firstFillAt - s.at) : null,
        pnl: o.tradePnl,
      };
    }
    const p = legs.paper;
    const l = legs.live;
    let filledOnlyIn: DriftMode | null = null;
    if (p && l && p.filled !== l.filled) filledOnlyIn = p.filled ? "paper" : "live";
    else if (p && !l && p.filled) filledOnlyIn = "paper";
    else if (l && !p && l.filled) filledOnlyIn = "live";
    if (filledOnlyIn) onlyIn[filledOnlyIn] = (onlyIn[filledOnlyIn] ?? 0) + 1;
    const gap = p?.pnl != null && l?.pnl != null ? l.pnl - p.pnl : null;
    if (gap !== null) cumulative += gap;
    rows.push({ signalId: s.id, symbol: s.symbol, side, signalPrice: s.price, at: s.at, legs, filledOnlyIn, pnlGap: round(gap, 8), cumulativeGap: round(cumulative, 8)! });
  }
  const byMode: Partial<Record<DriftMode, DriftModeSummary>> = {};
  for (const mode of DRIFT_MODES) {
    const legs = rows.map((r) => r.legs[mode]).filter((x): x is DriftLeg => !!x);
    if (!legs.length) continue;
    const slip = legs.map((x) => x.slippageBps).filter((x): x is number => x !== null).sort((a, b) => a - b);
    const delay = legs.map((x) => x.delayMs).filter((x): x is number => x !== null).sort((a, b) => a - b);
    byMode[mode] = {
      orders: legs.length,
      filled: legs.filter((x) => x.filled).length,
      fees: round(legs.reduce((s, x) => s + x.fee, 0), 8)!,
      pnl: round(legs.reduce((s, x) => s + (x.pnl ?? 0), 0), 8)!,
      slippageBps: { mean: round(mean(slip), 2), p50: quantile(slip, 0.5), p90: quantile(slip, 0.9), max: slip.length ? slip[slip.length - 1] : null },
      delayMs: { mean: round(mean(delay), 0), p50: quantile(delay, 0.5), p90: quantile(delay, 0.9) },
    };
  }
  const hist = new Map<number, { paper: number; live: number }>();
  for (const r of rows) {
    for (const mode of ["paper", "live"] as const) {
      const v = r.legs[mode]?.slippageBps;
      if (v === null || v === undefined) continue;
      const b = Math.floor(v / 5) * 5;
      const h = hist.get(b) ?? { paper: 0, live: 0 };
      h[mode]++;
      hist.set(b, h);
    }
  }
  return {
    from: input.from,
    to: input.to,
    rows,
    byMode,
    filledOnlyIn: onlyIn,
    cumulativeGap: round(cumulative, 8)!,
    slippageHistogram: [...hist.entries()].sort((a, b) => a[0] - b[0]).map(([bucketBps, h]) => ({ bucketBps, ...h })),
  };
}

/** GET /api/drift: the signals of [from, to) with their entry orders in every mode. */
export async function loadDrift(prisma: PrismaClient, range: { from: number; to: number }): Promise<DriftReport> {
  const entries = await prisma.order.findMany({
    where: { intent: "entry", signalId: { not: null }, createdAt: { gte: new Date(range.from), lt: new Date(range.to) } },
    select: { clientOrderId: true, mode: true, signalId: true, side: true, status: true, filledQuantity: true, avgFillPrice: true, fee: true, createdAt: true, symbol: true },
  });
  const signalIds = [...new Set(entries.map((o) => o.signalId!))];
  const ids = entries.map((o) => o.clientOrderId);
  const [signals, fills, trades] = await Promise.all([
    signalIds.length ? prisma.signal.findMany({ where: { id: { in: signalIds } } }) : Promise.resolve([]),
    ids.length ? prisma.fill.groupBy({ by: ["clientOrderId"], where: { clientOrderId: { in: ids } }, _min: { timestamp: true } }) : Promise.resolve([]),
    ids.length ? prisma.trade.findMany({ where: { entryOrderId: { in: ids } }, select: { entryOrderId: true, pnl: true } }) : Promise.resolve([]),
  ]);
  const firstFill = new Map(fills.map((f) => [f.clientOrderId, f._min.timestamp?.getTime() ?? null]));
  const pnlOf = new Map<string, number>();
  for (const t of trades) if (t.entryOrderId) pnlOf.set(t.entryOrderId, (pnlOf.get(t.entryOrderId) ?? 0) + t.pnl.toNumber());
  const known = new Map(signals.map((s) => [s.id, s]));
  const driftSignals: DriftSignal[] = [];
  for (const id of signalIds) {
    const s = known.get(id);
    const first = entries.find((o) => o.signalId === id)!;
    driftSignals.push(
      s
        ? { id, symbol: s.symbol, action: s.action, price: s.price.toNumber(), at: s.timestamp.getTime() }
        : // A signal row may be missing (pruned); the earliest order stands in for it, without a price.
          { id, symbol: first.symbol, action: first.side === "buy" ? "enter_long" : "enter_short", price: Number.NaN, at: first.createdAt.getTime() },
    );
  }
  return computeDrift({
    ...range,
    signals: driftSignals,
    orders: entries.map((o) => ({
      mode: o.mode,
      signalId: o.signalId!,
      side: o.side as "buy" | "sell",
      status: o.status,
      filledQuantity: o.filledQuantity.toNumber(),
      avgFillPrice: o.avgFillPrice.toNumber(),
      fee: o.fee.toNumber(),
      createdAt: o.createdAt.getTime(),
      firstFillAt: firstFill.get(o.clientOrderId) ?? null,
      tradePnl: pnlOf.has(o.clientOrderId) ? pnlOf.get(o.clientOrderId)! : null,
    })),
  });
}
