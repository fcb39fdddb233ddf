import { z } from "zod";
import { notFound } from "../core/errors";
import { toCsv } from "../core/csv";
import type { TradeFilter, TradeSort } from "../db/repositories/history";
import { Download, modeOr, type UseCaseDeps } from "./context";

/** Closed trades: the journal (filter, sort, page), one trade's story, and the export. */

export const tradesQuery = z.object({
  mode: z.string().optional(),
  symbol: z.string().optional(),
  side: z.enum(["long", "short"]).optional(),
  strategy: z.string().optional(),
  result: z.enum(["win", "loss"]).optional(),
  from: z.coerce.number().optional(),
  to: z.coerce.number().optional(),
  sort: z.enum(["closedAt", "pnl", "pnlPct", "symbol"]).default("closedAt"),
  order: z.enum(["asc", "desc"]).default("desc"),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
});
export type TradesQuery = z.infer<typeof tradesQuery>;

const EXPORT_COLUMNS = ["id", "mode", "symbol", "side", "quantity", "entryPrice", "exitPrice", "pnl", "pnlPct", "fees", "openedAt", "closedAt", "exitReason", "entryReason", "exitReasonText", "strategyInstanceId"] as const;

export function tradeUseCases({ engine, repos }: UseCaseDeps) {
  const filterOf = (q: TradesQuery): TradeFilter => ({ mode: modeOr(engine, q.mode), symbol: q.symbol, side: q.side, strategy: q.strategy, result: q.result, from: q.from, to: q.to });
  const sortOf = (q: TradesQuery): TradeSort => ({ sort: q.sort, order: q.order });
  return {
    async list(q: TradesQuery) {
      const filter = filterOf(q);
      const [{ items, total }, totals] = await Promise.all([repos.trades.page(filter, sortOf(q), q.page, q.pageSize), repos.trades.totals(filter)]);
      // totals: every trade matching the filters, not only this page (docs/api.md issue 21).
      return { items, total, page: q.page, pageSize: q.pageSize, totals };
    },

    async export(q: TradesQuery, format: "csv" | "json"): Promise<Download> {
      const rows = await repos.trades.all(filterOf(q), sortOf(q), 100_000);
      const stamp = new Date().toISOString().slice(0, 10);
      if (format === "json") return new Download(`tradekeel-trades-${stamp}.json`, "application/json", JSON.stringify(rows, null, 2));
      return new Download(`tradekeel-trades-${stamp}.csv`, "text/csv; charset=utf-8", toCsv(EXPORT_COLUMNS, rows));
    },

    async get(id: string) {
      const found = await repos.trades.detail(id);
      if (!found) throw notFound(`trade ${id}`);
      return found;
    },
  };
}
