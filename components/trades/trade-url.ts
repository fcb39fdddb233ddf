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

export type TradeTotals = ReturnType<typeof tradeTotals>;

/**
 * What the totals row under the trades table shows for the rows it is rendered with. When every matching
 * trade is on screen, the sums are those of exactly these rows, so the row always adds up to what is shown
 * (the server's totals are separate queries from its page and can already count a trade that closed after
 * the page was read). When there are more pages, the server's totals of every matching trade, with the count
 * taken from those same sums; without them (an older server), this page's sums, labelled as such.
 */
export function totalsRow(
  rows: readonly { pnl: number; fees: number }[],
  total: number,
  server?: { pnl: number; fees: number; wins: number; losses: number },
): TradeTotals & { scope: string } {
  if (total > rows.length && server) {
    const count = server.wins + server.losses;
    return { pnl: server.pnl, fees: server.fees, wins: server.wins, losses: server.losses, count, scope: `All ${count} matching` };
  }
  const t = tradeTotals(rows);
  return { ...t, scope: total > rows.length ? `This page (${rows.length} of ${total})` : `All ${rows.length} matching` };
}
