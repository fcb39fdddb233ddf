import type {
  CandleDto,
  ExitAlarmDto,
  CandlesResponse,
  EquityPointDto,
  FillDto,
  OrderBookDto,
  OrderDto,
  PositionDto,
  StatusDto,
  SymbolDto,
  TickerEventDto,
} from "./types";
import { TERMINAL_ORDER_STATUSES } from "./types";
import { isNum } from "./format";

/**
 * Pure updates of cached server state by feed events. Each returns the same object when nothing changes,
 * so React Query does not re-render for a no-op.
 */

/** A candle is usable when its numbers are finite and its high/low bracket open and close. */
export function isValidCandle(value: unknown): value is CandleDto {
  if (!value || typeof value !== "object") return false;
  const c = value as Record<string, unknown>;
  if (![c.time, c.open, c.high, c.low, c.close, c.volume].every(isNum)) return false;
  const { open, high, low, close, volume } = c as unknown as CandleDto;
  return high >= low && high >= Math.max(open, close) && low <= Math.min(open, close) && volume >= 0;
}

/**
 * Puts a streamed candle into a candle series: replaces the bar with the same open time, appends a newer
 * one (keeping at most `limit` bars), ignores one older than the last bar (a late duplicate).
 */
export function mergeCandle(data: CandlesResponse | undefined, candle: CandleDto, limit: number): CandlesResponse | undefined {
  if (!data) return data;
  const candles = data.candles;
  const last = candles[candles.length - 1];
  if (!last || candle.time > last.time) {
    const next = [...candles, candle];
    return { ...data, candles: next.length > limit ? next.slice(next.length - limit) : next };
  }
  if (candle.time === last.time) {
    if (last.closed && !candle.closed) return data; // a throttled forming update arriving after the close
    return { ...data, candles: [...candles.slice(0, -1), candle] };
  }
  // An update of an earlier bar (e.g. the close of the previous bar after the next one started forming).
  const index = candles.findIndex((c) => c.time === candle.time);
  if (index < 0) return data;
  if (candles[index]!.closed && !candle.closed) return data;
  const next = candles.slice();
  next[index] = candle;
  return { ...data, candles: next };
}

/** Inserts or replaces an item by id; new items go first (lists are newest first), the list is capped. */
export function upsertFirst<T>(list: T[] | undefined, item: T, idOf: (x: T) => string, limit = Infinity): T[] | undefined {
  if (!list) return list;
  const id = idOf(item);
  const index = list.findIndex((x) => idOf(x) === id);
  if (index >= 0) {
    const next = list.slice();
    next[index] = item;
    return next;
  }
  const next = [item, ...list];
  return next.length > limit ? next.slice(0, limit) : next;
}

export function removeById<T>(list: T[] | undefined, id: string, idOf: (x: T) => string): T[] | undefined {
  if (!list) return list;
  const next = list.filter((x) => idOf(x) !== id);
  return next.length === list.length ? list : next;
}

/** Open positions: a position with quantity 0 (or marked `status: "closed"`) has closed and leaves the list. */
export function applyPosition(list: PositionDto[] | undefined, position: PositionDto): PositionDto[] | undefined {
  if (!list) return list;
  if (isClosedPosition(position)) return removeById(list, position.id, (p) => p.id);
  const index = list.findIndex((p) => p.id === position.id);
  if (index >= 0) {
    const next = list.slice();
    next[index] = position;
    return next;
  }
  return [...list, position];
}

export function isClosedPosition(position: PositionDto & { status?: string }): boolean {
  return !(position.quantity > 0) || position.status === "closed";
}

/** An order list filtered by `open` drops orders that reached a terminal status. */
export function applyOrder(list: OrderDto[] | undefined, order: OrderDto, status: "open" | "all", limit: number): OrderDto[] | undefined {
  if (!list) return list;
  const existing = list.find((o) => o.clientOrderId === order.clientOrderId);
  // Events may carry no fills: keep the ones already known.
  const merged: OrderDto = order.fills === undefined && existing?.fills ? { ...order, fills: existing.fills } : order;
  if (status === "open" && TERMINAL_ORDER_STATUSES.includes(order.status)) {
    return removeById(list, order.clientOrderId, (o) => o.clientOrderId);
  }
  return upsertFirst(list, merged, (o) => o.clientOrderId, limit);
}

function sameFill(a: FillDto, b: FillDto): boolean {
  if (a.venueTradeId && b.venueTradeId) return a.venueTradeId === b.venueTradeId;
  return a.timestamp === b.timestamp && a.price === b.price && a.quantity === b.quantity;
}

/** Attaches a fill to its order if that order is in the list and does not have it yet. */
export function applyFill(list: OrderDto[] | undefined, fill: FillDto): OrderDto[] | undefined {
  if (!list) return list;
  const index = list.findIndex((o) => o.clientOrderId === fill.clientOrderId);
  if (index < 0) return list;
  const order = list[index]!;
  const fills = order.fills ?? [];
  if (fills.some((f) => sameFill(f, fill))) return list;
  const next = list.slice();
  next[index] = { ...order, fills: [...fills, fill] };
  return next;
}

/** Equity points are oldest first: append a newer point, replace one with the same timestamp, drop older. */
export function appendEquityPoint(list: EquityPointDto[] | undefined, point: EquityPointDto, limit: number): EquityPointDto[] | undefined {
  if (!list) return list;
  const last = list[list.length - 1];
  if (last && point.timestamp < last.timestamp) return list;
  const clean: EquityPointDto = {
    timestamp: point.timestamp,
    equity: point.equity,
    cash: point.cash,
    realizedPnl: point.realizedPnl,
    unrealizedPnl: point.unrealizedPnl,
  };
  const next = last && point.timestamp === last.timestamp ? [...list.slice(0, -1), clean] : [...list, clean];
  return next.length > limit ? next.slice(next.length - limit) : next;
}

export function applyTicker(list: SymbolDto[] | undefined, ticker: TickerEventDto): SymbolDto[] | undefined {
  if (!list) return list;
  const index = list.findIndex((s) => s.symbol === ticker.symbol);
  if (index < 0) return list;
  const next = list.slice();
  next[index] = { ...list[index]!, last: ticker.last, change24hPct: isNum(ticker.change24hPct) ? ticker.change24hPct : list[index]!.change24hPct };
  return next;
}

export function applyTradingState(
  status: StatusDto | undefined,
  state: { tradingState: StatusDto["tradingState"]; reason: string | null },
): StatusDto | undefined {
  if (!status) return status;
  if (status.tradingState === state.tradingState && status.tradingStateReason === state.reason) return status;
  return { ...status, tradingState: state.tradingState, tradingStateReason: state.reason };
}

/**
 * A book update replaces the snapshot. Once any source called the book simulated it stays labelled so:
 * feed events may omit the flag (or get it wrong) and simulated data must never pass for a market.
 */
export function applyOrderBook(book: OrderBookDto | undefined, update: OrderBookDto, depth: number): OrderBookDto {
  return {
    ...update,
    simulated: update.simulated === true || book?.simulated === true,
    bids: update.bids.slice(0, depth),
    asks: update.asks.slice(0, depth),
  };
}

/** An exit alarm the banner can show: identity, symbol, mode, code and a quantity. */
export function isValidExitAlarm(value: unknown): value is ExitAlarmDto {
  if (!value || typeof value !== "object" || Array.isArray(value)) return false;
  const a = value as Record<string, unknown>;
  const str = (v: unknown) => typeof v === "string" && v.length > 0;
  return str(a.id) && str(a.symbol) && str(a.mode) && str(a.code) && isNum(a.quantity);
}

function sameAlarm(a: ExitAlarmDto, b: ExitAlarmDto): boolean {
  return (
    a.id === b.id &&
    a.updatedAt === b.updatedAt &&
    a.attempts === b.attempts &&
    a.quantity === b.quantity &&
    a.closableQuantity === b.closableQuantity &&
    a.code === b.code &&
    a.reason === b.reason &&
    a.positionId === b.positionId
  );
}

/**
 * The exit alarms are always sent as the full current list: it replaces the cached one (an empty list means
 * every alarm is resolved). The cached array is kept when nothing changed, so nothing re-renders.
 */
export function replaceExitAlarms(old: ExitAlarmDto[] | undefined, next: ExitAlarmDto[]): ExitAlarmDto[] {
  if (old && old.length === next.length && old.every((a, i) => sameAlarm(a, next[i]!))) return old;
  return next;
}
