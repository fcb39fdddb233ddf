import type { TradeFilterValues } from "./trade-filters";
import { MODES, type Mode, type TradeSortKey } from "../lib/types";

export type SortKey = TradeSortKey;
export interface TradeView {
  filters: TradeFilterValues;
  sort: { sort: SortKey; order: "asc" | "desc" };
  paging: { page: number; pageSize: number };
}

export const DEFAULT_VIEW: TradeView = { filters: {}, sort: { sort: "closedAt", order: "desc" }, paging: { page: 1, pageSize: 50 } };
const SORTS = ["closedAt", "pnl", "pnlPct", "symbol"] as const satisfies readonly SortKey[];

function int(v: string | null, min: number, max: number): number | undefined {
  if (v === null || !/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n >= min && n <= max ? n : undefined;
}

/** The trades view a link or a reload names (`/trades?symbol=BTC/USDT&result=loss&page=2`); unknown values are dropped. */
export function viewFromSearch(search: URLSearchParams): TradeView {
  const mode = search.get("mode");
  const side = search.get("side");
  const result = search.get("result");
  const sort = search.get("sort");
  const order = search.get("order");
  const filters: TradeFilterValues = {};
  if (mode && (MODES as readonly string[]).includes(mode)) filters.mode = mode as Mode;
  if (search.get("symbol")) filters.symbol = search.get("symbol")!;
  if (side === "long" || side === "short") filters.side = side;
  if (search.get("strategy")) filters.strategy = search.get("strategy")!;
  if (result === "win" || result === "loss") filters.result = result;
  const from = int(search.get("from"), 0, 8.64e15);
  const to = int(search.get("to"), 0, 8.64e15);
  if (from !== undefined) filters.from = from;
  if (to !== undefined) filters.to = to;
  return {
    filters,
    sort: {
      sort: sort && (SORTS as readonly string[]).includes(sort) ? (sort as SortKey) : DEFAULT_VIEW.sort.sort,
      order: order === "asc" || order === "desc" ? order : DEFAULT_VIEW.sort.order,
    },
    paging: { page: int(search.get("page"), 1, 1e6) ?? 1, pageSize: int(search.get("pageSize"), 1, 500) ?? DEFAULT_VIEW.paging.pageSize },
  };
}

/** The query string of a view, defaults left out so a plain /trades stays plain. */
export function viewToSearch(view: TradeView): string {
  const q = new URLSearchParams();
  const f = view.filters;
  for (const key of ["mode", "symbol", "side", "strategy", "result", "from", "to"] as const) {
    const v = f[key];
    if (v !== undefined && v !== null && v !== "") q.set(key, String(v));
  }
  if (view.sort.sort !== DEFAULT_VIEW.sort.sort || view.sort.order !== DEFAULT_VIEW.sort.order) {
    q.set("sort", view.sort.sort);
    q.set("order", view.sort.order);
  }
  if (view.paging.page !== 1) q.set("page", String(view.paging.page));
  if (view.paging.pageSize !== DEFAULT_VIEW.paging.pageSize) q.set("pageSize", String(view.paging.pageSize));
  return q.toString();
}

/** Sums of a list of trades, to the cent. */
export function tradeTotals(items: readonly { pnl: number; fees: number }[]): { pnl: number; fees: number; wins: number; losses: number; count: number } {
  let pnl = 0;
  let fees = 0;
  let wins = 0;
  let losses = 0;
  for (const t of items) {
    pnl += Math.round(t.pnl * 1e8);
    fees += Math.round(t.fees * 1e8);
    if (t.pnl > 0) wins++;
    else losses++;
  }
  return { pnl: pnl / 1e8, fees: fees / 1e8, wins, losses, count: items.length };
}
