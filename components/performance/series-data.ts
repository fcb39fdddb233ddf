import { isNum } from "../lib/format";

export interface TimePoint {
  /** Epoch ms. */
  time: number;
  value: number;
}

/**
 * Points for a time-scale chart: finite values only, ascending, one point per second (the chart's time
 * resolution; the latest point of a second wins).
 */
export function toSecondSeries(points: readonly TimePoint[]): { time: number; value: number }[] {
  const bySecond = new Map<number, number>();
  const sorted = points.filter((p) => isNum(p.time) && isNum(p.value)).sort((a, b) => a.time - b.time);
  for (const p of sorted) bySecond.set(Math.floor(p.time / 1000), p.value);
  return [...bySecond.entries()].sort((a, b) => a[0] - b[0]).map(([time, value]) => ({ time, value }));
}

/** Drawdown is drawn below zero whatever sign the server uses for it. */
export function drawdownSeries(points: readonly { timestamp: number; drawdownPct: number }[]): TimePoint[] {
  return points.map((p) => ({ time: p.timestamp, value: isNum(p.drawdownPct) ? -Math.abs(p.drawdownPct) : Number.NaN }));
}

/** Realized-only equity: the equity curve without the open positions' unrealized P&L. */
export function realizedEquitySeries(points: readonly { timestamp: number; equity: number; unrealizedPnl: number }[]): TimePoint[] {
  return points.map((p) => ({ time: p.timestamp, value: isNum(p.equity) && isNum(p.unrealizedPnl) ? p.equity - p.unrealizedPnl : Number.NaN }));
}

/** The 24 hours of the day, with hours the server did not list shown as zero P&L bars. */
export function fillHours(hourly: readonly { hour: number; pnl: number }[]): { hour: number; pnl: number | null }[] {
  const byHour = new Map<number, number>();
  for (const h of hourly) if (Number.isInteger(h.hour) && h.hour >= 0 && h.hour < 24 && isNum(h.pnl)) byHour.set(h.hour, h.pnl);
  return Array.from({ length: 24 }, (_, hour) => ({ hour, pnl: byHour.get(hour) ?? null }));
}
