import { z } from "zod";
import { notFound } from "../core/errors";
import { toCsv } from "../core/csv";
import type { TradeFilter, TradeRecord, TradeSort } from "../db";
import { orderDto } from "../engine";
import { signalRowDto } from "./signals";
import { positionSideSchema, tradesQuerySchema, type TradeDetailDto, type TradeDto, type TradesPageDto } from "../contract";
import { Download, modeOr, stored, type UseCaseDeps } from "./context";

/** Closed trades: the journal (filter, sort, page), one trade's story, and the export. */

export const tradesQuery = tradesQuerySchema;
export type TradesQuery = z.infer<typeof tradesQuery>;

const EXPORT_COLUMNS = ["id", "mode", "symbol", "side", "quantity", "entryPrice", "exitPrice", "pnl", "pnlPct", "fees", "openedAt", "closedAt", "exitReason", "entryReason", "exitReasonText", "strategyInstanceId"] as const;

/**
 * A stored trade as the contract sends it (the same shape as the `trade` event's tradeDto): the side
 * checked to be long or short (a stored row that is neither is a STORED_DATA_INVALID error), no strategy instance as null (not dropped), no internal position id.
 */
export function tradeRowDto(r: TradeRecord): TradeDto {
  return {
    id: r.id,
    mode: r.mode as TradeDto["mode"],
    symbol: r.symbol,
    side: stored(positionSideSchema, r.side, `trade ${r.id} side`),
    quantity: r.quantity,
    entryPrice: r.entryPrice,
    exitPrice: r.exitPrice,
    pnl: r.pnl,
    pnlPct: r.pnlPct,
    fees: r.fees,
    openedAt: r.openedAt,
    closedAt: r.closedAt,
    exitReason: r.exitReason,
    entryReason: r.entryReason,
    exitReasonText: r.exitReasonText,
    strategyInstanceId: r.strategyInstanceId ?? null,
    signalId: r.signalId ?? null,
  } satisfies TradeDto;
}

export function tradeUseCases({ engine, repos }: UseCaseDeps) {
  const filterOf = (q: TradesQuery): TradeFilter => ({ mode: modeOr(engine, q.mode), symbol: q.symbol, side: q.side, strategy: q.strategy, result: q.result, from: q.from, to: q.to });
  const sortOf = (q: TradesQuery): TradeSort => ({ sort: q.sort, order: q.order });
  return {
    async list(q: TradesQuery) {
      const filter = filterOf(q);
      const [{ items, total }, totals] = await Promise.all([repos.trades.page(filter, sortOf(q), q.page, q.pageSize), repos.trades.totals(filter)]);
      // totals: every trade matching the filters, not only this page (docs/api.md issue 21).
      return { items: items.map(tradeRowDto), total, page: q.page, pageSize: q.pageSize, totals } satisfies TradesPageDto;
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
      const mode = found.trade.mode as TradeDto["mode"];
      return {
        trade: tradeRowDto(found.trade),
        orders: found.orders.map(orderDto),
        signal: found.signal ? signalRowDto(found.signal, mode) : null,
        riskChecks: found.riskChecks,
      } satisfies TradeDetailDto;
    },
  };
}
