import { hashKey, type QueryClient, type QueryKey } from "@tanstack/react-query";
import type { FeedMessage } from "./feed-batcher";
import { isNum } from "./format";
import {
  appendEquityPoint,
  applyFill,
  applyOrder,
  applyOrderBook,
  applyPosition,
  applyTicker,
  applyTradingState,
  isClosedPosition,
  isValidCandle,
  isValidExitAlarm,
  mergeCandle,
  replaceExitAlarms,
  upsertFirst,
} from "./cache-updates";
import { qk } from "./query-keys";
import type {
  CandleEventDto,
  CandlesResponse,
  EquityEventDto,
  EquityPointDto,
  ExitAlarmDto,
  ExitAlarmsDto,
  FillDto,
  KillSwitchStatusDto,
  OrderBookDto,
  OrderDto,
  PositionDto,
  RiskDto,
  RiskEventDto,
  SignalDto,
  StatusDto,
  SymbolDto,
  MarketTradeDto,
  TickerEventDto,
  TradingStateEventDto,
} from "./types";

/** Every server → client event the dashboard listens to (docs/api.md, "Socket.IO feed"). */
export const FEED_EVENTS = [
  "hello",
  "status",
  "candle",
  "ticker",
  "orderbook",
  "signal",
  "order",
  "fill",
  "position",
  "trade",
  "equity",
  "risk:event",
  "trading-state",
  "kill-switch",
  "exit:alarm",
  "mode",
  "market:trade",
] as const;

/** Newest first, at most TAPE_SIZE prints. */
export const TAPE_SIZE = 50;
export function pushTape(old: MarketTradeDto[] | undefined, ev: MarketTradeDto): MarketTradeDto[] {
  return [ev, ...(old ?? [])].slice(0, TAPE_SIZE);
}

type Rec = Record<string, unknown>;
const isObj = (v: unknown): v is Rec => !!v && typeof v === "object" && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === "string" && v.length > 0;
const isLevels = (v: unknown): boolean =>
  Array.isArray(v) && v.every((l) => Array.isArray(l) && l.length >= 2 && isNum(l[0]) && isNum(l[1]));

/** Minimal shape checks: a malformed message is reported and skipped, never half-applied. */
const validators: Record<string, (p: unknown) => boolean> = {
  hello: isObj,
  status: (p) => isObj(p) && isStr(p.mode) && isObj(p.venue) && isStr(p.tradingState),
  candle: (p) => isObj(p) && isStr(p.symbol) && isStr(p.timeframe) && isValidCandle(p.candle),
  ticker: (p) => isObj(p) && isStr(p.symbol) && isNum(p.last),
  orderbook: (p) => isObj(p) && isStr(p.symbol) && isLevels(p.bids) && isLevels(p.asks),
  "market:trade": (p) => isObj(p) && isStr(p.symbol) && isNum(p.price) && isNum(p.quantity) && isNum(p.timestamp),
  signal: (p) => isObj(p) && isStr(p.id) && isStr(p.symbol),
  order: (p) => isObj(p) && isStr(p.clientOrderId) && isStr(p.status) && isStr(p.symbol),
  fill: (p) => isObj(p) && isStr(p.clientOrderId) && isNum(p.price) && isNum(p.quantity),
  position: (p) => isObj(p) && isStr(p.id) && isStr(p.mode) && isNum(p.quantity),
  trade: (p) => isObj(p) && isStr(p.id),
  equity: (p) => isObj(p) && isStr(p.mode) && isNum(p.timestamp) && isNum(p.equity),
  "risk:event": (p) => isObj(p) && isStr(p.id) && isStr(p.kind),
  "trading-state": (p) => isObj(p) && isStr(p.tradingState),
  "kill-switch": (p) => isObj(p) && isStr(p.phase),
  "exit:alarm": (p) => isObj(p) && Array.isArray(p.alarms) && p.alarms.every(isValidExitAlarm),
  mode: (p) => isObj(p) && isStr(p.mode),
};

export interface ApplyReport {
  applied: number;
  rejected: { event: string; reason: string }[];
}

function forEachQuery(client: QueryClient, prefix: QueryKey, fn: (key: QueryKey) => void): void {
  for (const query of client.getQueryCache().findAll({ queryKey: prefix })) fn(query.queryKey);
}

/**
 * A REST read of this list that began before the event (say the refetch after POST /api/orders, sent before
 * the fill was booked) would overwrite the event with what it saw. Cancelled, the query keeps the data as the
 * event left it (react-query reverts to the last manual update), and is read again.
 */
function keepOverInFlightRead(client: QueryClient, queryKey: QueryKey): void {
  let rereading = rereads.get(client);
  if (!rereading) rereads.set(client, (rereading = new Map()));
  const hash = hashKey(queryKey);
  // Our own re-read is running: events during it get one more read after it, not one each (no request storm).
  if (rereading.has(hash)) return void rereading.set(hash, true);
  if (client.isFetching({ queryKey }) === 0) return;
  rereading.set(hash, false);
  const reread = async (): Promise<void> => {
    await client.cancelQueries({ queryKey });
    await client.invalidateQueries({ queryKey });
    if (rereading.get(hash)) {
      rereading.set(hash, false);
      return reread();
    }
    rereading.delete(hash);
  };
  void reread().catch(() => rereading.delete(hash));
}
const rereads = new WeakMap<QueryClient, Map<string, boolean>>();

/**
 * Writes one batch of feed events into the query cache. Lists follow the feed in place; aggregates that
 * the browser cannot recompute (performance, trade pages, signal stats, risk usage) are invalidated once
 * per batch so they refetch.
 */
export function applyFeedBatch(client: QueryClient, batch: FeedMessage[]): ApplyReport {
  const report: ApplyReport = { applied: 0, rejected: [] };
  const invalidate = new Set<string>();

  for (const { event, payload } of batch) {
    const validate = validators[event];
    if (!validate) continue;
    if (!validate(payload)) {
      report.rejected.push({ event, reason: `malformed ${event} message` });
      // A failed exit must not go unseen because one message was garbled: ask the server for the list.
      if (event === "exit:alarm") invalidate.add("exit-alarms");
      continue;
    }
    report.applied++;
    switch (event) {
      case "status":
        client.setQueryData<StatusDto>(qk.status, payload as StatusDto);
        break;
      case "trading-state": {
        const ev = payload as TradingStateEventDto;
        const state = { tradingState: ev.tradingState, reason: ev.reason ?? null };
        client.setQueryData<StatusDto>(qk.status, (old) => applyTradingState(old, state));
        client.setQueryData<RiskDto>(qk.risk, (old) =>
          old ? { ...old, tradingState: state.tradingState, reason: state.reason } : old,
        );
        // The breakers' numbers (latches) change with the state: refetch them so the counters agree with the reason.
        invalidate.add("risk");
        break;
      }
      case "market:trade": {
        const ev = payload as MarketTradeDto;
        client.setQueryData<MarketTradeDto[]>(qk.tape(ev.symbol), (old) => pushTape(old, ev));
        break;
      }
      case "candle": {
        const ev = payload as CandleEventDto;
        forEachQuery(client, qk.candlesOf(ev.symbol, ev.timeframe), (key) => {
          const limit = isNum(key[3]) ? key[3] : 500;
          client.setQueryData<CandlesResponse>(key, (old) => mergeCandle(old, ev.candle, limit));
        });
        break;
      }
      case "ticker":
        client.setQueryData<SymbolDto[]>(qk.symbols, (old) => applyTicker(old, payload as TickerEventDto));
        break;
      case "orderbook": {
        const ev = payload as OrderBookDto;
        forEachQuery(client, qk.orderbookOf(ev.symbol), (key) => {
          const depth = isNum(key[2]) ? key[2] : 20;
          client.setQueryData<OrderBookDto>(key, (old) => applyOrderBook(old, ev, depth));
        });
        break;
      }
      case "signal": {
        const ev = payload as SignalDto;
        forEachQuery(client, ["signals", "list", ev.mode], (key) => {
          const limit = isNum(key[3]) ? key[3] : 100;
          client.setQueryData<SignalDto[]>(key, (old) => upsertFirst(old, ev, (s) => s.id, limit));
        });
        invalidate.add("signal-stats");
        break;
      }
      case "order": {
        const ev = payload as OrderDto;
        forEachQuery(client, ["orders", ev.mode], (key) => {
          const status = key[2] === "open" ? "open" : "all";
          const limit = isNum(key[3]) ? key[3] : 100;
          client.setQueryData<OrderDto[]>(key, (old) => applyOrder(old, ev, status, limit));
          keepOverInFlightRead(client, key);
        });
        break;
      }
      case "fill": {
        const ev = payload as FillDto;
        forEachQuery(client, qk.ordersAll, (key) => {
          client.setQueryData<OrderDto[]>(key, (old) => applyFill(old, ev));
        });
        break;
      }
      case "position": {
        const ev = payload as PositionDto;
        client.setQueryData<PositionDto[]>(qk.positions(ev.mode), (old) => applyPosition(old, ev));
        keepOverInFlightRead(client, qk.positions(ev.mode));
        if (isClosedPosition(ev)) invalidate.add("trades");
        break;
      }
      case "trade":
        invalidate.add("trades");
        break;
      case "equity": {
        const ev = payload as EquityEventDto;
        forEachQuery(client, ["equity", ev.mode], (key) => {
          const limit = isNum(key[2]) ? key[2] : 5000;
          client.setQueryData<EquityPointDto[]>(key, (old) => appendEquityPoint(old, ev, limit));
        });
        break;
      }
      case "risk:event": {
        const ev = payload as RiskEventDto;
        forEachQuery(client, qk.riskEventsAll, (key) => {
          const limit = isNum(key[2]) ? key[2] : 100;
          const kind = typeof key[3] === "string" ? key[3] : "";
          if (kind && kind !== ev.kind) return;
          client.setQueryData<RiskEventDto[]>(key, (old) => upsertFirst(old, ev, (e) => e.id, limit));
        });
        invalidate.add("risk");
        break;
      }
      case "kill-switch":
        client.setQueryData<{ status: KillSwitchStatusDto }>(qk.killSwitch, { status: payload as KillSwitchStatusDto });
        break;
      case "exit:alarm": {
        const alarms = (payload as ExitAlarmsDto).alarms;
        // The full list, even before the REST list has loaded: it is the whole truth either way.
        client.setQueryData<ExitAlarmDto[]>(qk.exitAlarms, (old) => replaceExitAlarms(old, alarms));
        break;
      }
      case "mode":
        // Another tab, the CLI or a script switched the mode: every list on screen belongs to the old one.
        invalidate.add("all");
        break;
      default:
        break;
    }
  }

  if (invalidate.has("all")) {
    void client.invalidateQueries();
    return report;
  }
  if (invalidate.has("trades")) {
    void client.invalidateQueries({ queryKey: qk.tradesAll });
    void client.invalidateQueries({ queryKey: qk.performanceAll });
  }
  if (invalidate.has("signal-stats")) void client.invalidateQueries({ queryKey: ["signals", "stats"] });
  if (invalidate.has("risk")) void client.invalidateQueries({ queryKey: qk.risk });
  if (invalidate.has("exit-alarms")) void client.invalidateQueries({ queryKey: qk.exitAlarms });
  return report;
}
