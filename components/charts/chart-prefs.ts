import { TIMEFRAMES, type Timeframe } from "../lib/types";
import { DEFAULT_INDICATORS, type IndicatorToggles } from "./chart-types";

export interface ChartPrefs {
  symbol: string | null;
  timeframe: Timeframe;
  indicators: IndicatorToggles;
}

export function isTimeframe(value: unknown): value is Timeframe {
  return typeof value === "string" && (TIMEFRAMES as readonly string[]).includes(value);
}

export function parseIndicators(value: unknown): IndicatorToggles {
  const v = value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  const pick = (k: keyof IndicatorToggles) => (typeof v[k] === "boolean" ? (v[k] as boolean) : DEFAULT_INDICATORS[k]);
  return { volume: pick("volume"), sma: pick("sma"), ema: pick("ema"), bollinger: pick("bollinger"), rsi: pick("rsi"), macd: pick("macd") };
}

/** Chart settings read back from localStorage; anything unrecognised falls back to the default. */
export function parseChartPrefs(raw: unknown): ChartPrefs | null {
  if (!raw || typeof raw !== "object") return null;
  const r = raw as Record<string, unknown>;
  return {
    symbol: typeof r.symbol === "string" && r.symbol ? r.symbol : null,
    timeframe: isTimeframe(r.timeframe) ? r.timeframe : "1m",
    indicators: parseIndicators(r.indicators),
  };
}

export const GRID_SIZES = [1, 2, 4, 9, 16] as const;
export type GridSize = (typeof GRID_SIZES)[number];

export interface GridCell {
  symbol: string | null;
  timeframe: Timeframe;
}

export interface GridLayout {
  size: GridSize;
  cells: GridCell[];
}

/** Columns of a grid of n charts: 1 → 1, 2 → 2, 4 → 2, 9 → 3, 16 → 4. */
export function gridColumns(size: GridSize): number {
  return size === 1 ? 1 : size === 2 || size === 4 ? 2 : size === 9 ? 3 : 4;
}

/** The multi-chart layout from localStorage: cells beyond the size are kept so shrinking and growing loses nothing. */
export function parseGridLayout(raw: unknown): GridLayout | null {
  if (!raw || typeof raw !== "object") return null;
  const r = raw as Record<string, unknown>;
  const size = GRID_SIZES.find((s) => s === r.size) ?? 4;
  const cells = Array.isArray(r.cells)
    ? r.cells.slice(0, 16).map((c): GridCell => {
        const cell = c && typeof c === "object" ? (c as Record<string, unknown>) : {};
        return { symbol: typeof cell.symbol === "string" && cell.symbol ? cell.symbol : null, timeframe: isTimeframe(cell.timeframe) ? cell.timeframe : "1m" };
      })
    : [];
  return { size, cells };
}

/**
 * The cells to show for a grid size: stored cells first, then empty cells filled with symbols in turn
 * (so a fresh 4-grid shows four different symbols when the venue has them).
 */
export function cellsFor(layout: GridLayout, symbols: readonly string[]): GridCell[] {
  const out: (GridCell | null)[] = [];
  for (let i = 0; i < layout.size; i++) {
    const stored = layout.cells[i];
    const valid = stored?.symbol && (symbols.length === 0 || symbols.includes(stored.symbol));
    out.push(valid ? { symbol: stored!.symbol, timeframe: stored!.timeframe ?? "1m" } : stored ? { symbol: null, timeframe: stored.timeframe ?? "1m" } : null);
  }
  // Empty cells get symbols not on screen yet; once every symbol shows, a symbol again on a timeframe not
  // yet shown for it, so a 16-grid over 10 symbols never shows the same chart twice.
  const shown = new Set(out.filter((c): c is GridCell => !!c?.symbol).map((c) => `${c.symbol}|${c.timeframe}`));
  const shownSymbols = new Set(out.filter((c): c is GridCell => !!c?.symbol).map((c) => c.symbol!));
  const candidates: GridCell[] = [];
  for (const symbol of symbols) if (!shownSymbols.has(symbol)) candidates.push({ symbol, timeframe: "1m" });
  for (const tf of FILL_TIMEFRAMES) for (const symbol of symbols) candidates.push({ symbol, timeframe: tf });
  const next = () => {
    for (;;) {
      const c = candidates.shift();
      if (!c) return null;
      const key = `${c.symbol}|${c.timeframe}`;
      if (shown.has(key)) continue;
      shown.add(key);
      return c;
    }
  };
  return out.map((cell) => {
    if (cell?.symbol) return cell;
    const filled = next();
    if (!filled) return { symbol: symbols[0] ?? null, timeframe: cell?.timeframe ?? "1m" };
    // A stored cell keeps its own timeframe when only its symbol was lost.
    return cell ? { symbol: filled.symbol, timeframe: cell.timeframe } : filled;
  });
}

/** Timeframes used, in turn, when a grid has more cells than the venue has symbols. */
const FILL_TIMEFRAMES: readonly GridCell["timeframe"][] = ["1m", "15m", "1h", "4h", "1d", "5m"];
