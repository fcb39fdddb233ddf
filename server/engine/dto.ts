import type { CandleDto, FillDto, Mode, OrderBookDto, OrderDto, PositionDto, SignalDto, TradeDto } from "../contract";
import type { Candle, Fill, KernelMode, Order, OrderBook, Signal } from "../model/types";
import type { SignalExecution } from "./events";
import type { LedgerClosedTrade, LedgerPosition } from "../portfolio";
import type { EngineRuntime } from "./runtime";
import type { TradingAccount } from "./account";
import { initialMargin } from "../futures";

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
  const account = engine?.kernel.accounts.get(p.mode);
  const ledger = account?.ledger;
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
    ...perpFields(p, markPrice, account),
  } satisfies PositionDto;
}

/** A perpetual position's futures fields (docs/api.md, positions); nothing for a spot position. */
function perpFields(p: LedgerPosition, markPrice: number, account: Pick<TradingAccount, "futures" | "perpExposures"> | undefined) {
  const contract = account?.futures?.contracts.get(p.symbol);
  if (!contract || !account) return {};
  const exposure = p.quantity > 0 ? account.perpExposures().get(p.symbol) : undefined;
  return {
    marketType: "perp" as const,
    leverage: contract.leverage,
    marginMode: contract.marginMode,
    marginUsed: p.quantity > 0 ? initialMargin(p.quantity, markPrice, contract.leverage) : 0,
    liquidationPrice: exposure?.liquidationPrice ?? null,
    liquidationRiskPct: exposure?.liquidationRiskPct ?? 0,
    fundingPaid: p.fundingPaid ?? 0,
  };
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

/**
 * An order as `GET /api/orders` and the `order` event send it: the engine's order with the contract's
 * nullable fields null rather than absent (the order's other fields, e.g. stopLoss, go along as they are).
 */
export function orderDto(o: Order & { fills?: Fill[] }) {
  const { fills, ...order } = o;
  return {
    ...order,
    mode: o.mode,
    venueOrderId: o.venueOrderId ?? null,
    price: o.price ?? null,
    stopPrice: o.stopPrice ?? null,
    reason: o.reason ?? null,
    error: o.error ?? null,
    strategyInstanceId: o.strategyInstanceId ?? null,
    ...(fills ? { fills: fills.map((f) => f satisfies FillDto) } : {}),
  } satisfies OrderDto;
}

/**
 * A signal as the `signal` event sends it, in the shape of `GET /api/signals` rows: no outcome yet,
 * `execution` null until the engine has acted on it.
 */
export function signalDto(s: Signal & { mode: KernelMode; execution?: SignalExecution | null }) {
  return {
    id: s.id,
    mode: s.mode as Mode,
    timestamp: s.timestamp,
    strategyInstanceId: s.strategyInstanceId,
    symbol: s.symbol,
    timeframe: s.timeframe,
    action: s.action,
    price: s.price,
    reason: s.reason,
    data: s.data,
    outcome: null,
    exitPrice: null,
    outcomePct: null,
    outcomeAt: null,
    execution: s.execution ?? null,
  } satisfies SignalDto;
}
