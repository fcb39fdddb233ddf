import type { SessionConfigDto } from "../lib/types";

/**
 * The plan's session (docs/api.md → Trading sessions, seed defaults): what the start form offers first.
 * session-defaults.test.ts checks these against the server's own schema defaults.
 */
export const SESSION_DEFAULTS: Required<Omit<SessionConfigDto, "strategy">> & { strategy: { kind: string; params: Record<string, unknown>; timeframe: string } } = {
  name: "4-hour session",
  capital: 500,
  durationMin: 240,
  symbols: ["BTC/USDT", "ETH/USDT"],
  strategy: { kind: "ma_crossover", params: { fastPeriod: 9, slowPeriod: 21, maType: "ema" }, timeframe: "5m" },
  stopLossPct: 2,
  takeProfitPct: 5,
  maxPositionQuote: 150,
  maxOpenPositions: 3,
  profitTarget: 6,
  maxLoss: 15,
};

/** Share of the way to the profit target and to the loss limit (0..1 each), from the session's total P&L. */
export function sessionProgress(total: number | null | undefined, profitTarget: number | undefined, maxLoss: number | undefined) {
  const t = typeof total === "number" && Number.isFinite(total) ? total : 0;
  const toTarget = profitTarget && profitTarget > 0 ? Math.max(0, Math.min(1, t / profitTarget)) : 0;
  const toLoss = maxLoss && maxLoss > 0 ? Math.max(0, Math.min(1, -t / maxLoss)) : 0;
  return { toTarget, toLoss };
}

/** "1 h 02 min 05 s" left, from milliseconds (market time). */
export function countdownText(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return "0 s";
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (h > 0) return `${h} h ${pad(m)} min ${pad(sec)} s`;
  if (m > 0) return `${m} min ${pad(sec)} s`;
  return `${sec} s`;
}
