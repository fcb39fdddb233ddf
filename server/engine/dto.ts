import type { CandleDto, Mode, OrderBookDto, PositionDto, TradeDto } from "../contract";
import type { Candle, OrderBook } from "../model/types";
import type { LedgerClosedTrade, LedgerPosition } from "../portfolio";
import type { EngineRuntime } from "./runtime";

/**
 * The JSON shapes of docs/api.md, shared by the REST API and the feed; each checked against the wire
 * contract (server/contract) with `satisfies`, keeping its narrower inferred type for server callers.
 * They carry the trading modes only (a backtest reports through its own result), hence `as Mode`.
 */

export function candleDto(c: Candle) {
  return { time: c.openTime, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume, closed: c.closed } satisfies CandleDto;
}

export function orderBookDto(book: OrderBook, depth: number, simulated = false) {
  const bids = book.bids.slice(0, depth).map((l) => [l.price, l.quantity] as [number, number]);
  const asks = book.asks.slice(0, depth).map((l) => [l.price, l.quantity] as [number, number]);
  const bestBid = bids[0]?.[0];
  const bestAsk = asks[0]?.[0];
  return {
    symbol: book.symbol,
    timestamp: book.timestamp,
    simulated,
    bids,
    asks,
    spread: bestBid !== undefined && bestAsk !== undefined ? bestAsk - bestBid : null,
    mid: bestBid !== undefined && bestAsk !== undefined ? (bestAsk + bestBid) / 2 : null,
  } satisfies OrderBookDto;
}

export function positionDto(p: LedgerPosition & { status?: PositionDto["status"] }, engine?: Pick<EngineRuntime, "kernel">) {
  const ledger = engine?.kernel.accounts.get(p.mode)?.ledger;
  const mark = ledger ? ledger.markPrice(p.symbol) : Number.NaN;
  const markPrice = Number.isFinite(mark) ? mark : p.avgEntryPrice;
  const sign = p.side === "long" ? 1 : -1;
  const unrealizedPnl = p.quantity > 0 ? sign * (markPrice - p.avgEntryPrice) * p.quantity : 0;
  const cost = p.avgEntryPrice * p.quantity;
  return {
    id: p.id,
    mode: p.mode as Mode,
    symbol: p.symbol,
    side: p.side,
    status: p.status ?? (p.quantity > 0 ? "open" : "closed"),
    quantity: p.quantity,
    avgEntryPrice: p.avgEntryPrice,
    markPrice,
    unrealizedPnl,
    unrealizedPct: cost > 0 ? (unrealizedPnl / cost) * 100 : 0,
    realizedPnl: p.realizedPnl,
    fees: p.fees,
    stopLoss: p.stopLoss ?? null,
    takeProfit: p.takeProfit ?? null,
    trailingStop: p.trailingStop ?? null,
    openedAt: p.openedAt,
    strategyInstanceId: p.strategyInstanceId ?? null,
    entryReason: p.entryReason,
  } satisfies PositionDto;
}

export function tradeDto(t: LedgerClosedTrade & { signalId?: string }) {
  return {
    id: t.id,
    mode: t.mode as Mode,
    symbol: t.symbol,
    side: t.side,
    quantity: t.quantity,
    entryPrice: t.entryPrice,
    exitPrice: t.exitPrice,
    pnl: t.pnl,
    pnlPct: t.pnlPct,
    fees: t.fees,
    openedAt: t.openedAt,
    closedAt: t.closedAt,
    exitReason: t.exitReason,
    entryReason: t.entryReason,
    exitReasonText: t.exitReasonText,
    strategyInstanceId: t.strategyInstanceId ?? null,
    signalId: t.signalId ?? null,
  } satisfies TradeDto;
}
