import { assertRetryPolicy, backoffDelay, retry } from "../core/retry";
import type { Exchange, Order as CcxtOrder, Trade as CcxtTrade } from "ccxt";
import { systemClock, type Clock } from "../core/clock";
import { roundMoney } from "../core/decimal";
import { toQty } from "../core/quantity";
import { createLogger, type Logger } from "../core/logger";
import type { Balance, Fill, OrderRequest, OrderStatus, OrderType, Side } from "../model/types";
import { toVenueError, VenueError } from "./errors";
import { isTerminal } from "./order-state";
import {
  DEFAULT_FEES,
  type ExecutionVenue,
  type MarketEvent,
  type VenueCapabilities,
  type VenueFill,
  type VenueOrderUpdate,
  type VenueUpdateListener,
} from "./types";
import { assertValidOrderRequest, splitSymbol } from "./validate";
import { installUsageGate, type VenueUsageGate, type VenueUsageOptions, type VenueUsageSnapshot } from "./venue-usage";

export interface LiveRetryPolicy {
  /** Attempts per operation (first try included). Default 4. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * After an ambiguous submit failure, a first "order not found" is only trusted after this long:
   * a request still travelling is refused by the venue once its receive window has passed
   * (Binance recvWindow). Default: the exchange's recvWindow option + 1 s, else 11 s.
   */
  absentConfirmDelayMs: number;
}

export interface LiveVenueOptions {
  /** A ccxt (pro) exchange instance, constructed and given credentials elsewhere. */
  exchange: Exchange;
  /** Symbols traded: used when open orders are asked for without a symbol. */
  symbols: readonly string[];
  clock?: Clock;
  /** Venue id stored on orders; default exchange.id. */
  id?: string;
  /** Default: exchange.isSandboxModeEnabled. */
  testnet?: boolean;
  /** True when the exchange instance talks to the local simulator. */
  simulated?: boolean;
  logger?: Logger;
  retry?: Partial<LiveRetryPolicy>;
  /**
   * How order changes are learned: "watch" = ccxt watchOrders (websocket), "poll" = REST polling of
   * the orders this venue tracks, "auto" (default) = watch when the exchange has watchOrders, polling
   * while the websocket is down. A slow safety poll runs even while the websocket is healthy.
   */
  updates?: "auto" | "watch" | "poll";
  pollIntervalMs?: number;
  safetyPollIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Convert a fee paid in a third asset (e.g. BNB) to the quote currency. When absent or returning
   * undefined, the fee is estimated from the market's maker/taker rate and a warning is logged.
   */
  feeToQuote?: (fee: { currency: string; cost: number }, trade: { symbol: string; price: number; quantity: number; timestamp: number }) => number | undefined;
  /**
   * Binance's REST rate limits (see venue-usage.ts): every request waits while it would pass the
   * venue's request weight or order count, usage headers are read, nothing is sent during a 429's
   * Retry-After. Default: on for Binance (and the simulator), off elsewhere; false switches it off.
   */
  usage?: VenueUsageOptions | false;
}

interface Tracked {
  symbol: string;
  type?: OrderType;
  venueOrderId?: string;
  fills: Map<string, Fill>;
  fillQuantity: number;
  open: boolean;
  lastStatus?: OrderStatus;
  lastFilled: number;
}

const BALANCE_META_KEYS = new Set(["info", "timestamp", "datetime", "free", "used", "total", "debt"]);

function num(value: unknown): number | undefined {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Real orders through a ccxt exchange.
 *
 * - OrderRequest -> createOrder: market; limit with timeInForce; stop_loss_limit / take_profit_limit
 *   as a limit with the unified `stopLossPrice` / `takeProfitPrice` param (binance spot turns them
 *   into STOP_LOSS_LIMIT / TAKE_PROFIT_LIMIT with stopPrice). The client order id goes in the
 *   `clientOrderId` param (binance: newClientOrderId). Quantity and prices are rounded with
 *   amountToPrecision / priceToPrecision and checked against the market's limits first.
 * - Errors map to VenueError codes (see errors.ts). Transient ones are retried with exponential
 *   backoff and the SAME client order id; after an ambiguous failure (timeout, network, 5xx) the
 *   order is first looked up by client order id and only re-sent once the venue has confirmed,
 *   twice and a receive window apart, that it does not have it. submit() therefore never throws a
 *   retryable error: it throws SUBMIT_FAILED (known not placed), ORDER_STATE_UNKNOWN (could not
 *   find out) or the venue's definitive refusal.
 * - Updates: watchOrders when available (see `updates`), REST polling of tracked open orders as the
 *   fallback. Fills: the trades ccxt attaches to the order; when the cumulative filled quantity is
 *   ahead of the trades in hand, the order's trades are fetched (fetchOrderTrades, else
 *   fetchMyTrades). Every update carries all known fills of its order; consumers de-duplicate.
 */
export class LiveVenue implements ExecutionVenue {
  readonly kind = "live" as const;
  readonly id: string;
  readonly simulated: boolean;
  readonly testnet: boolean;
  readonly capabilities: VenueCapabilities;
  /** submit() retries itself (receive-window-aware look-ups): the order manager sends once. */
  readonly retriesSubmissions = true;

  private readonly exchange: Exchange;
  private readonly symbols: readonly string[];
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly retry: LiveRetryPolicy;
  private readonly updatesMode: "auto" | "watch" | "poll";
  private readonly pollIntervalMs: number;
  private readonly safetyPollIntervalMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly feeToQuote: LiveVenueOptions["feeToQuote"];
  private readonly usageGate: VenueUsageGate | null;
  /** fetchOpenOrders() without a symbol as one request for the whole account (see there). */
  private readonly openOrdersInOneRequest: boolean;

  private readonly listeners = new Set<VenueUpdateListener>();
  private liquidationHandler: ((update: VenueOrderUpdate) => Promise<void> | void) | undefined;
  private readonly tracked = new Map<string, Tracked>();
  private readonly clientIdByVenueId = new Map<string, string>();
  private running = false;
  /** Bumped by every start(): loops of an earlier start() end even if the venue was restarted. */
  private generation = 0;
  private watchHealthy = false;
  /** Wakes the loops' pending pauses so stop() takes effect at once. */
  private readonly wakers = new Set<() => void>();

  constructor(options: LiveVenueOptions) {
    this.exchange = options.exchange;
    this.symbols = options.symbols;
    this.clock = options.clock ?? systemClock;
    this.id = options.id ?? options.exchange.id;
    this.testnet = options.testnet ?? Boolean(options.exchange.isSandboxModeEnabled);
    this.simulated = options.simulated ?? false;
    this.logger = options.logger ?? createLogger("silent");
    const recvWindow = num((options.exchange.options as Record<string, unknown> | undefined)?.recvWindow);
    this.retry = {
      attempts: 4,
      baseDelayMs: 500,
      maxDelayMs: 8_000,
      absentConfirmDelayMs: recvWindow !== undefined ? recvWindow + 1_000 : 11_000,
      ...options.retry,
    };
    assertRetryPolicy(this.retry);
    this.updatesMode = options.updates ?? "auto";
    this.pollIntervalMs = options.pollIntervalMs ?? 2_000;
    this.safetyPollIntervalMs = options.safetyPollIntervalMs ?? 30_000;
    this.sleep = options.sleep ?? realSleep;
    this.feeToQuote = options.feeToQuote;
    const gated = options.usage !== false && (options.usage !== undefined || options.exchange.id === "binance");
    this.usageGate =
      gated && typeof (options.exchange as { fetch2?: unknown }).fetch2 === "function"
        ? installUsageGate(options.exchange, { logger: this.logger, ...(options.usage || {}) })
        : null;
    this.openOrdersInOneRequest = options.exchange.id === "binance" && this.symbols.length >= 7;
    if (this.openOrdersInOneRequest) {
      // ccxt refuses the account-wide listing until told its weight is known (it is: see venue-usage.ts).
      const opts = options.exchange.options as Record<string, unknown>;
      opts.fetchOpenOrders = { ...(opts.fetchOpenOrders as object | undefined), warnWithoutSymbol: false };
    }
    const has = options.exchange.has ?? {};
    const watch = this.updatesMode !== "poll" && Boolean(has.watchOrders);
    this.capabilities = {
      exchangeStops: Boolean(has.createStopLimitOrder || has.createStopLossOrder || has.createTriggerOrder),
      // Spot markets: no reduce-only and no shorting; the engine sizes exits from its own positions.
      reduceOnly: false,
      shorting: false,
      pushUpdates: watch,
      orderTypes: has.createStopLimitOrder || has.createStopLossOrder ? ["market", "limit", "stop_loss_limit", "take_profit_limit"] : ["market", "limit"],
      timeInForce: ["GTC", "IOC", "FOK"],
    };
  }

  /** The venue's REST usage as last reported (request weight, order counts, back-off), or null when not gated. */
  usage(): VenueUsageSnapshot | null {
    return this.usageGate?.snapshot() ?? null;
  }

  onUpdate(listener: VenueUpdateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Where the venue's own forced closes go (isVenueLiquidation: Binance's liquidation engine, order
   * "autoclose-…" of type LIQUIDATION, and auto-deleveraging): the account books their fills, since
   * no order of the bot's has them. While a handler is set, such an update goes to it (awaited, in the
   * stream's order) instead of the listeners, which know no such order. Returns the unsubscribe.
   */
  onVenueLiquidation(handler: (update: VenueOrderUpdate) => Promise<void> | void): () => void {
    this.liquidationHandler = handler;
    return () => {
      if (this.liquidationHandler === handler) this.liquidationHandler = undefined;
    };
  }

  /** Live prices come from the exchange itself. */
  onMarket(_event: MarketEvent): void {}

  /** Load markets (retrying transient failures), then start following order changes. */
  async start(): Promise<void> {
    await this.ensureMarkets();
    if (this.running) return;
    this.running = true;
    const watch = this.updatesMode !== "poll" && Boolean(this.exchange.has?.watchOrders);
    if (this.updatesMode === "watch" && !watch) {
      throw new VenueError("NOT_SUPPORTED", `${this.id} has no watchOrders; use updates "poll" or "auto"`);
    }
    const generation = ++this.generation;
    if (watch) void this.watchLoop(generation);
    void this.pollLoop(generation);
  }

  /** Stop following orders. A pending watchOrders call ends when the exchange's owner closes it. */
  async stop(): Promise<void> {
    this.running = false;
    for (const wake of [...this.wakers]) wake();
  }

  // -------------------------------------------------------------------- orders

  async submit(request: OrderRequest): Promise<VenueOrderUpdate> {
    assertValidOrderRequest(request);
    await this.ensureMarkets();
    const prepared = this.prepare(request);
    this.track(request.clientOrderId, request.symbol, request.type);
    let lookUpFirst = false;
    let lastError: VenueError | undefined;
    const attempt = async (n: number): Promise<VenueOrderUpdate> => {
      if (lookUpFirst) {
        const found = await this.lookUp(request);
        if (found instanceof VenueError) {
          throw new VenueError("ORDER_STATE_UNKNOWN", `order ${request.clientOrderId}: the venue did not say whether it has it (${found.message})`, { cause: found.code });
        }
        if (found !== "absent") return this.emit(await this.ingest(found, request.clientOrderId));
        lookUpFirst = false;
      }
      try {
        const created = await this.exchange.createOrder(request.symbol, prepared.type, request.side, prepared.amount, prepared.price, prepared.params);
        return this.emit(await this.ingest(created, request.clientOrderId));
      } catch (err) {
        lastError = toVenueError(err, `createOrder ${request.clientOrderId}`);
        if (lastError.code === "DUPLICATE_ORDER_ID") {
          lookUpFirst = true;
          throw lastError;
        }
        if (!lastError.retryable) {
          this.tracked.delete(request.clientOrderId);
          throw lastError;
        }
        lookUpFirst = lastError.code !== "RATE_LIMITED";
        this.logger.warn({ clientOrderId: request.clientOrderId, attempt: n, code: lastError.code, err: lastError.message }, "createOrder failed, will retry");
        throw lastError;
      }
    };
    const retriable = (err: unknown) => lastError !== undefined && err === lastError && (lastError.retryable || lastError.code === "DUPLICATE_ORDER_ID");
    try {
      return await retry(attempt, { policy: this.retry, sleep: this.sleep, shouldRetry: retriable });
    } catch (err) {
      // A definitive refusal, or an error of the look-up or of booking the answer: as it is.
      if (!retriable(err)) throw err;
    }
    if (!lookUpFirst) {
      this.tracked.delete(request.clientOrderId);
      throw new VenueError("SUBMIT_FAILED", `order ${request.clientOrderId} not placed after ${this.retry.attempts} attempts: ${lastError?.message}`, { cause: lastError?.code });
    }
    const found = await this.lookUp(request);
    if (found instanceof VenueError) {
      throw new VenueError("ORDER_STATE_UNKNOWN", `order ${request.clientOrderId}: the venue did not say whether it has it (${found.message})`, { cause: found.code });
    }
    if (found !== "absent") return this.emit(await this.ingest(found, request.clientOrderId));
    this.tracked.delete(request.clientOrderId);
    throw new VenueError("SUBMIT_FAILED", `order ${request.clientOrderId} not placed after ${this.retry.attempts} attempts: ${lastError?.message}`, { cause: lastError?.code });
  }

  async cancel(clientOrderId: string, symbol: string): Promise<VenueOrderUpdate> {
    await this.ensureMarkets();
    try {
      return await this.withRetry(`cancel ${clientOrderId}`, async () => {
        const cancelled = await this.exchange.cancelOrderWithClientOrderId(clientOrderId, symbol);
        // A cancel answer may carry the cancel request's own client id: keep ours.
        const update = await this.ingest(cancelled, clientOrderId);
        if (!isTerminal(update.status)) {
          // Some venues answer before the cancel is final; ask once for the settled state.
          const settled = await this.fetchOrder(clientOrderId, symbol);
          if (settled) return this.emit(settled);
        }
        return this.emit(update);
      }, { quiet: true });
    } catch (err) {
      const error = toVenueError(err, `cancel ${clientOrderId}`);
      if (error.code === "ORDER_NOT_FOUND" || error.code === "REJECTED") {
        // Already filled or cancelled (binance: "Unknown order sent"): report its final state.
        const final = await this.fetchOrder(clientOrderId, symbol);
        if (final) return this.emit(final);
      }
      throw error;
    }
  }

  /**
   * Cancel every open order of `symbol` in one request where the venue has a cancel-all (Binance:
   * DELETE /api/v3/openOrders, weight 1), one cancel per order otherwise; orders placed elsewhere
   * included. Each cancelled order is reported to the listeners. A symbol with no open order is not
   * an error (Binance answers -2011 then). Futures (Binance DELETE /fapi/v1/allOpenOrders, whose answer
   * lists no order): the open orders are listed first and each one's final state is reported after.
   */
  async cancelAllOrders(symbol: string): Promise<VenueOrderUpdate[]> {
    await this.ensureMarkets();
    if (!this.exchange.has?.cancelAllOrders) {
      const open = await this.fetchOpenOrders(symbol);
      return Promise.all(open.map((o) => this.cancel(o.clientOrderId, symbol)));
    }
    // Binance futures (DELETE /fapi/v1/allOpenOrders) answers {code: 200, msg: "The operation of cancel
    // all open order is done."} without the orders: they are listed before the cancel, then each one's
    // final state is asked for after it.
    const listsNothing = this.cancelAllListsNothing(symbol);
    const before = listsNothing ? await this.withRetry(`fetch open orders ${symbol}`, () => this.exchange.fetchOpenOrders(symbol)) : [];
    if (listsNothing && before.length === 0) return [];
    let cancelled: CcxtOrder[];
    try {
      cancelled = (await this.withRetry(`cancel all orders ${symbol}`, () => this.exchange.cancelAllOrders(symbol))) as CcxtOrder[];
    } catch (err) {
      const error = toVenueError(err, `cancel all orders ${symbol}`);
      if (error.code === "ORDER_NOT_FOUND" && !listsNothing) return [];
      if (error.code !== "ORDER_NOT_FOUND") throw error;
      cancelled = [];
    }
    if (listsNothing) return this.settleCancelled(symbol, before);
    const updates: VenueOrderUpdate[] = [];
    for (const order of Array.isArray(cancelled) ? cancelled : []) {
      // The answer carries the cancel request's client id; the order's own is origClientOrderId.
      const info = (order.info ?? {}) as Record<string, unknown>;
      const known = order.id ? this.clientIdByVenueId.get(order.id) : undefined;
      const clientOrderId = known ?? (typeof info.origClientOrderId === "string" ? info.origClientOrderId : (order.clientOrderId ?? undefined));
      if (!clientOrderId) continue;
      updates.push(this.emit(await this.ingest({ ...order, clientOrderId }, clientOrderId)));
    }
    return updates;
  }

  /** A derivatives market of a venue whose cancel-all answers without the cancelled orders (Binance USDⓈ-M / COIN-M). */
  private cancelAllListsNothing(symbol: string): boolean {
    try {
      return Boolean(this.exchange.market(symbol)?.contract);
    } catch {
      return false;
    }
  }

  /**
   * The orders that were open before a cancel-all that did not list them: each one's final state,
   * asked for by its client order id (by venue id when it has none), reported to the listeners. One
   * that filled before the cancel reached it is reported filled, not cancelled; one the venue no longer
   * answers for is left out (the poll or the reconciliation settles it).
   */
  private async settleCancelled(symbol: string, before: readonly CcxtOrder[]): Promise<VenueOrderUpdate[]> {
    const settled = await Promise.all(
      before.map(async (order): Promise<VenueOrderUpdate | undefined> => {
        const clientOrderId = this.clientIdOf(order);
        if (!clientOrderId) {
          this.logger.warn({ venueOrderId: order.id, symbol }, "cancelled order without a client order id");
          return undefined;
        }
        const update = await this.fetchOrder(clientOrderId, symbol).catch((err: unknown) => {
          const error = toVenueError(err, `fetch order ${clientOrderId} after cancel-all`);
          this.logger.warn({ clientOrderId, symbol, code: error.code, err: error.message }, "the final state of an order after cancel-all is not known yet");
          return undefined;
        });
        if (update && !isTerminal(update.status)) {
          this.logger.warn({ clientOrderId, symbol, status: update.status }, "an order is still open after cancel-all");
        }
        return update;
      }),
    );
    return settled.filter((u): u is VenueOrderUpdate => u !== undefined).map((u) => this.emit(u));
  }

  async fetchOrder(clientOrderId: string, symbol: string): Promise<VenueOrderUpdate | undefined> {
    await this.ensureMarkets();
    const order = await this.withRetry(`fetch order ${clientOrderId}`, async () => {
      try {
        return await this.exchange.fetchOrderWithClientOrderId(clientOrderId, symbol);
      } catch (err) {
        if (toVenueError(err).code === "ORDER_NOT_FOUND") return undefined;
        throw err;
      }
    });
    return order ? this.ingest(order, clientOrderId) : undefined;
  }

  /**
   * Open orders of `symbol`, or of every symbol this venue trades. Without a symbol, on Binance, one
   * request for the whole account (weight 80, the usage gate counts it so) once that weighs at most
   * twice the per-symbol requests (6 each: from 7 symbols): one round trip instead of one per symbol
   * is what keeps the kill switch's listings quick; orders of symbols not traded here are left out.
   * Elsewhere every symbol is asked at once (the usage gate keeps the burst inside the venue's weight).
   */
  async fetchOpenOrders(symbol?: string): Promise<VenueOrderUpdate[]> {
    await this.ensureMarkets();
    const updates: VenueOrderUpdate[] = [];
    let perSymbol: { s: string | undefined; orders: CcxtOrder[] }[];
    if (symbol === undefined && this.openOrdersInOneRequest) {
      const traded = new Set(this.symbols);
      const all = await this.withRetry("fetch open orders", () => this.exchange.fetchOpenOrders());
      perSymbol = [{ s: undefined, orders: all.filter((o) => o.symbol !== undefined && traded.has(o.symbol)) }];
    } else {
      const symbols = symbol !== undefined ? [symbol] : this.symbols;
      perSymbol = await Promise.all(symbols.map((s) => this.withRetry(`fetch open orders ${s}`, () => this.exchange.fetchOpenOrders(s)).then((orders) => ({ s, orders }))));
    }
    for (const { s, orders } of perSymbol) {
      for (const order of orders) {
        const clientOrderId = this.clientIdOf(order);
        if (!clientOrderId) {
          this.logger.warn({ venueOrderId: order.id, symbol: s ?? order.symbol }, "open order without a client order id");
          continue;
        }
        updates.push(await this.ingest(order, clientOrderId));
      }
    }
    return updates;
  }

  async fetchFills(symbol: string, since: number): Promise<VenueFill[]> {
    await this.ensureMarkets();
    const pageSize = 1000;
    const fills: VenueFill[] = [];
    const seen = new Set<string>();
    let from = since;
    // Page forward in time; stop when a page is short or makes no progress.
    for (let page = 0; page < 100; page++) {
      const trades = await this.withRetry(`fetch fills ${symbol}`, () => this.exchange.fetchMyTrades(symbol, from, pageSize));
      let newest = from;
      for (const trade of trades) {
        const venueOrderId = trade.order ?? undefined;
        const clientOrderId = venueOrderId ? this.clientIdByVenueId.get(venueOrderId) : undefined;
        const fill = this.toFill(trade, clientOrderId ?? "", symbol);
        if (!fill || seen.has(fill.venueTradeId)) continue;
        seen.add(fill.venueTradeId);
        const { clientOrderId: _ignored, ...rest } = fill;
        fills.push({ ...rest, clientOrderId, venueOrderId });
        newest = Math.max(newest, fill.timestamp);
      }
      if (trades.length < pageSize || newest <= from) break;
      from = newest;
    }
    return fills;
  }

  /**
   * The venue's balances. A futures account (Binance USDⓈ-M: assets with a walletBalance) reports
   * each asset's wallet balance, deposits + realised P&L − fees ± funding, not ccxt's total (the
   * margin balance, which moves with every mark of an open position): the wallet is what the ledger's
   * cash plus the entry value of its open perps adds up to, so reconciliation compares like with like.
   * free = the available balance (capped at the wallet), locked = the rest of the wallet.
   */
  async fetchBalances(): Promise<Balance[]> {
    const raw = await this.withRetry("fetch balance", () => this.exchange.fetchBalance());
    const wallets = futuresWallets(raw.info);
    const balances: Balance[] = [];
    for (const [asset, value] of Object.entries(raw)) {
      if (BALANCE_META_KEYS.has(asset) || !value || typeof value !== "object") continue;
      const entry = value as { free?: unknown; used?: unknown; total?: unknown };
      const wallet = wallets?.get(asset);
      const free = wallet !== undefined ? Math.min(num(entry.free) ?? 0, wallet) : (num(entry.free) ?? 0);
      const locked = wallet !== undefined ? Number((wallet - free).toFixed(8)) : (num(entry.used) ?? 0);
      if (free === 0 && locked === 0) continue;
      balances.push({ asset, free, locked });
    }
    return balances.sort((a, b) => a.asset.localeCompare(b.asset));
  }

  // ----------------------------------------------------------------- following

  /**
   * Poll every tracked open order once; returns how many were asked for. A symbol with several open
   * orders is read with one open-orders request (Binance weight 6, instead of 4 per order: 110 resting
   * orders polled one by one every 250 ms would spend the minute's request weight in seconds and make
   * every order wait for the next minute); only the tracked orders missing from that list (filled,
   * cancelled or expired since) are then asked for one by one, for their final state.
   */
  async pollOnce(): Promise<number> {
    const bySymbol = new Map<string, string[]>();
    for (const [clientOrderId, tracked] of this.tracked) {
      if (!tracked.open) continue;
      bySymbol.set(tracked.symbol, [...(bySymbol.get(tracked.symbol) ?? []), clientOrderId]);
    }
    let asked = 0;
    for (const [symbol, ids] of bySymbol) {
      asked += ids.length;
      let one = ids;
      if (ids.length > 1 && this.exchange.has?.fetchOpenOrders) {
        try {
          const open = await this.exchange.fetchOpenOrders(symbol);
          const seen = new Set<string>();
          for (const order of open) {
            const clientOrderId = this.clientIdOf(order);
            if (!clientOrderId || !this.tracked.get(clientOrderId)?.open) continue;
            seen.add(clientOrderId);
            await this.handleOrder(order, clientOrderId);
          }
          one = ids.filter((id) => !seen.has(id));
        } catch (err) {
          const error = toVenueError(err, `poll open orders ${symbol}`);
          this.logger.warn({ symbol, code: error.code, err: error.message }, "polling the open orders failed; asking for each order");
        }
      }
      for (const clientOrderId of one) {
        if (!this.tracked.get(clientOrderId)?.open) continue;
        try {
          const order = await this.exchange.fetchOrderWithClientOrderId(clientOrderId, symbol);
          await this.handleOrder(order, clientOrderId);
        } catch (err) {
          const error = toVenueError(err, `poll ${clientOrderId}`);
          this.logger.warn({ clientOrderId, code: error.code, err: error.message }, "polling an order failed");
        }
      }
    }
    return asked;
  }

  private live(generation: number): boolean {
    return this.running && this.generation === generation;
  }

  private async watchLoop(generation: number): Promise<void> {
    let failures = 0;
    while (this.live(generation)) {
      try {
        const orders = await this.exchange.watchOrders();
        this.watchHealthy = true;
        failures = 0;
        for (const order of orders) await this.handleOrder(order, this.clientIdOf(order));
      } catch (err) {
        if (!this.live(generation)) return;
        this.watchHealthy = false;
        const error = toVenueError(err, "watchOrders");
        if (error.code === "NOT_SUPPORTED" || error.code === "AUTHENTICATION") {
          this.logger.error({ code: error.code, err: error.message }, "order websocket unavailable; following orders by REST polling");
          return;
        }
        failures += 1;
        this.logger.warn({ code: error.code, err: error.message, failures }, "order websocket failed; polling until it is back");
        await this.pause(this.backoff(failures));
      }
    }
  }

  private async pollLoop(generation: number): Promise<void> {
    while (this.live(generation)) {
      await this.pause(this.watchHealthy ? this.safetyPollIntervalMs : this.pollIntervalMs);
      if (!this.live(generation)) return;
      await this.pollOnce();
    }
  }

  /** Emit an update when the order changed since it was last seen. */
  private async handleOrder(order: CcxtOrder, clientOrderId: string | undefined): Promise<void> {
    if (!clientOrderId) {
      this.logger.warn({ venueOrderId: order.id, symbol: order.symbol }, "order update without a client order id ignored");
      return;
    }
    const before = this.tracked.get(clientOrderId);
    const previousStatus = before?.lastStatus;
    const previousFilled = before?.lastFilled ?? 0;
    const previousFills = before?.fills.size ?? 0;
    const update = await this.ingest(order, clientOrderId);
    const after = this.tracked.get(clientOrderId);
    const changed =
      update.status !== previousStatus || update.filledQuantity !== previousFilled || (after?.fills.size ?? update.fills.length) !== previousFills;
    if (!changed) return;
    const handler = this.liquidationHandler;
    if (handler && isVenueLiquidation(update)) {
      try {
        let complete = update;
        // Its fills are what gets booked: when the trades could not be read with the update, ask again.
        for (let attempt = 1; attempt < this.retry.attempts && fillsShort(complete); attempt++) {
          await this.pause(this.backoff(attempt));
          complete = (await this.fetchOrder(clientOrderId, update.symbol).catch(() => undefined)) ?? complete;
        }
        if (fillsShort(complete)) this.logger.error({ clientOrderId, symbol: update.symbol, filled: complete.filledQuantity }, "the venue's liquidation trades could not all be read: booking those in hand");
        await handler(complete);
      } catch (err) {
        this.logger.error({ err, clientOrderId, symbol: update.symbol }, "booking the venue's liquidation failed");
      }
      return;
    }
    this.emit(update);
  }

  /** Tell the listeners (a throwing listener is isolated); returns the update for chaining. */
  private emit(update: VenueOrderUpdate): VenueOrderUpdate {
    for (const listener of this.listeners) {
      try {
        listener(update);
      } catch (err) {
        this.logger.error({ err, clientOrderId: update.clientOrderId }, "live venue update listener failed");
      }
    }
    return update;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  // ------------------------------------------------------------------ mapping

  private clientIdOf(order: CcxtOrder): string | undefined {
    return (order.id ? this.clientIdByVenueId.get(order.id) : undefined) ?? order.clientOrderId ?? undefined;
  }

  private track(clientOrderId: string, symbol: string, type?: OrderType): Tracked {
    let tracked = this.tracked.get(clientOrderId);
    if (!tracked) {
      tracked = { symbol, type, fills: new Map(), fillQuantity: 0, open: true, lastFilled: 0 };
      this.tracked.set(clientOrderId, tracked);
    }
    return tracked;
  }

  /** Map a ccxt order to an update carrying all its known fills (fetching trades when some are missing). */
  private async ingest(order: CcxtOrder, clientOrderId: string): Promise<VenueOrderUpdate> {
    const symbol = order.symbol ?? this.tracked.get(clientOrderId)?.symbol;
    if (!symbol) throw new VenueError("VENUE_ERROR", `order ${clientOrderId} came back without a symbol`);
    const tracked = this.track(clientOrderId, symbol);
    if (order.id) {
      tracked.venueOrderId = order.id;
      this.clientIdByVenueId.set(order.id, clientOrderId);
    }
    for (const trade of order.trades ?? []) this.addFill(tracked, this.toFill(trade, clientOrderId, symbol, order.side));
    const filled = num(order.filled) ?? 0;
    if (filled > tracked.fillQuantity * (1 + 1e-9) + 1e-12 && order.id) {
      try {
        const byMyTrades = async () => (await this.exchange.fetchMyTrades(symbol, order.timestamp ?? undefined)).filter((t) => t.order === order.id);
        // ccxt's binanceusdm lists fetchOrderTrades but serves it for spot markets only (NotSupported on
        // a perpetual): the account's trades of the symbol, filtered by order, then.
        const trades = this.exchange.has?.fetchOrderTrades
          ? await this.exchange.fetchOrderTrades(order.id, symbol).catch((err: unknown) => {
              if (isNotSupported(err)) return byMyTrades();
              throw err;
            })
          : await byMyTrades();
        for (const trade of trades) this.addFill(tracked, this.toFill(trade, clientOrderId, symbol, order.side));
      } catch (err) {
        const error = toVenueError(err, `fetch trades of ${clientOrderId}`);
        this.logger.warn({ clientOrderId, code: error.code, err: error.message }, "could not fetch the order's trades yet; the next update or poll retries");
      }
    }
    const status = mapStatus(order, filled);
    const fills = [...tracked.fills.values()];
    const feeFromFills = fills.length > 0 ? roundMoney(fills.reduce((sum, f) => sum + f.fee, 0)) : undefined;
    const average = num(order.average) ?? (filled > 0 && num(order.cost) !== undefined ? num(order.cost)! / filled : 0);
    const update: VenueOrderUpdate = {
      clientOrderId,
      venueOrderId: order.id ?? tracked.venueOrderId,
      symbol,
      side: order.side === "sell" ? "sell" : "buy",
      type: tracked.type ?? mapType(order),
      status,
      quantity: num(order.amount) ?? 0,
      price: num(order.price),
      stopPrice: num(order.triggerPrice) ?? num(order.stopPrice),
      filledQuantity: filled,
      avgFillPrice: average,
      fee: feeFromFills ?? this.orderFeeInQuote(order, symbol, average, filled),
      fills,
      timestamp: order.lastUpdateTimestamp ?? order.lastTradeTimestamp ?? order.timestamp ?? this.clock.now(),
      reason: status === "rejected" || status === "expired" ? rejectReason(order) : undefined,
    };
    tracked.lastStatus = status;
    tracked.lastFilled = filled;
    tracked.open = !isTerminal(status);
    if (!tracked.open && tracked.fillQuantity >= filled * (1 - 1e-9)) this.tracked.delete(clientOrderId);
    return update;
  }

  private addFill(tracked: Tracked, fill: Fill | undefined): void {
    if (!fill || tracked.fills.has(fill.venueTradeId)) return;
    tracked.fills.set(fill.venueTradeId, fill);
    tracked.fillQuantity += fill.quantity;
  }

  /**
   * A fill of our order has our order's side. ccxt leaves `side` undefined on the fills of Binance's
   * order response, so the order's side is the fallback; a trade with neither is not booked.
   */
  private toFill(trade: CcxtTrade, clientOrderId: string, symbol: string, orderSide?: string): Fill | undefined {
    const price = num(trade.price);
    const quantity = num(trade.amount);
    if (!(price! > 0) || !(quantity! > 0)) {
      this.logger.error({ trade: { id: trade.id, order: trade.order, price: trade.price, amount: trade.amount } }, "venue trade without a usable price/amount ignored");
      return undefined;
    }
    const timestamp = trade.timestamp ?? this.clock.now();
    const liquidity = trade.takerOrMaker === "maker" ? "maker" : "taker";
    const known = (v: unknown): v is Side => v === "buy" || v === "sell";
    const side = known(orderSide) ? orderSide : known(trade.side) ? trade.side : undefined;
    if (!side) {
      this.logger.error({ trade: { id: trade.id, order: trade.order } }, "venue trade without a side ignored");
      return undefined;
    }
    const baseFee = this.feeInBase(trade.fee, symbol);
    return {
      clientOrderId,
      // A venue trade id is what makes a fill idempotent; without one, derive a stable key.
      venueTradeId: trade.id ? String(trade.id) : `${trade.order ?? clientOrderId}:${timestamp}:${quantity}@${price}`,
      symbol: trade.symbol ?? symbol,
      side,
      price: price!,
      quantity: quantity!,
      fee: this.feeInQuote(trade.fee, symbol, price!, quantity!, timestamp, liquidity),
      ...(baseFee !== undefined ? { baseFee } : {}),
      liquidity,
      timestamp,
    };
  }

  /**
   * The commission in base units when the venue took it in the base asset (Binance without BNB
   * takes a buy's fee out of the coins bought): the base holding moves by the fill's quantity minus
   * this (a buy receives quantity − baseFee; a sell, rarely charged in base, gives quantity + baseFee).
   */
  private feeInBase(fee: { currency?: string; cost?: number } | undefined, symbol: string): number | undefined {
    const cost = num(fee?.cost);
    if (cost === undefined || !(cost >= 0) || !fee?.currency) return undefined;
    const [base] = splitSymbol(symbol);
    return fee.currency === base ? toQty(cost) : undefined;
  }

  private feeInQuote(
    fee: { currency?: string; cost?: number } | undefined,
    symbol: string,
    price: number,
    quantity: number,
    timestamp: number,
    liquidity: "maker" | "taker",
  ): number {
    const cost = num(fee?.cost);
    if (cost === undefined) return this.estimatedFee(symbol, price, quantity, liquidity, "the venue reported no fee");
    const [base, quote] = splitSymbol(symbol);
    // A base fee's quote value at the fill's price (the base amount itself is Fill.baseFee).
    if (fee?.currency === base) return roundMoney(toQty(cost) * price);
    if (cost === 0 || !fee?.currency || fee.currency === quote) return roundMoney(cost);
    const converted = this.feeToQuote?.({ currency: fee.currency, cost }, { symbol, price, quantity, timestamp });
    if (converted !== undefined && Number.isFinite(converted) && converted >= 0) return roundMoney(converted);
    return this.estimatedFee(symbol, price, quantity, liquidity, `fee paid in ${fee.currency} (${cost}) has no conversion to ${quote}`);
  }

  private estimatedFee(symbol: string, price: number, quantity: number, liquidity: "maker" | "taker", why: string): number {
    let rate: number | undefined;
    try {
      rate = num(this.exchange.market(symbol)?.[liquidity]);
    } catch {
      rate = undefined;
    }
    const used = rate ?? DEFAULT_FEES[liquidity];
    this.logger.warn({ symbol, rate: used, liquidity }, `fee estimated from the ${liquidity} rate: ${why}`);
    return roundMoney(price * quantity * used);
  }

  private orderFeeInQuote(order: CcxtOrder, symbol: string, average: number, filled: number): number {
    const cost = num(order.fee?.cost);
    if (cost === undefined || filled === 0) return 0;
    return this.feeInQuote(order.fee, symbol, average, filled, order.timestamp ?? this.clock.now(), "taker");
  }

  // --------------------------------------------------------------- requests

  /** Round to the market's precision and check its limits before anything is sent. */
  private prepare(request: OrderRequest): { type: "market" | "limit"; amount: number; price?: number; params: Record<string, unknown> } {
    let market: ReturnType<Exchange["market"]>;
    let amount: number;
    let price: number | undefined;
    let stopPrice: number | undefined;
    try {
      market = this.exchange.market(request.symbol);
      amount = Number(this.exchange.amountToPrecision(request.symbol, request.quantity));
      price = request.type === "market" ? undefined : Number(this.exchange.priceToPrecision(request.symbol, request.price));
      stopPrice = request.stopPrice === undefined || request.type === "market" ? undefined : Number(this.exchange.priceToPrecision(request.symbol, request.stopPrice));
    } catch (err) {
      throw toVenueError(err, `prepare ${request.clientOrderId}`);
    }
    const problems: string[] = [];
    if (!(amount > 0)) problems.push(`quantity ${request.quantity} rounds to ${amount} at the venue's precision`);
    const minAmount = num(market.limits?.amount?.min);
    const maxAmount = num(market.limits?.amount?.max);
    const minCost = num(market.limits?.cost?.min);
    if (minAmount !== undefined && amount < minAmount) problems.push(`quantity ${amount} is below the minimum ${minAmount}`);
    if (maxAmount !== undefined && maxAmount > 0 && amount > maxAmount) problems.push(`quantity ${amount} is above the maximum ${maxAmount}`);
    if (price !== undefined && minCost !== undefined && amount * price < minCost) problems.push(`notional ${amount * price} is below the minimum ${minCost}`);
    if (problems.length > 0) throw new VenueError("INVALID_ORDER", `order ${request.clientOrderId} on ${request.symbol}: ${problems.join("; ")}`, { problems });

    const params: Record<string, unknown> = { clientOrderId: request.clientOrderId };
    if (request.type !== "market") params.timeInForce = request.timeInForce ?? "GTC";
    if (request.type === "stop_loss_limit") params.stopLossPrice = stopPrice;
    if (request.type === "take_profit_limit") params.takeProfitPrice = stopPrice;
    // Spot has no reduce-only flag (binance spot rejects unknown params); derivatives get it.
    if (request.reduceOnly && market.contract) params.reduceOnly = true;
    return { type: request.type === "market" ? "market" : "limit", amount, price, params };
  }

  /** Look an order up by client order id after an ambiguous failure: the order, "absent" (confirmed twice), or the error that kept us from knowing. */
  private async lookUp(request: OrderRequest): Promise<CcxtOrder | "absent" | VenueError> {
    let notFoundOnce = false;
    let lastError: VenueError | undefined;
    const notFound = (err: unknown) => (err as VenueError).code === "ORDER_NOT_FOUND";
    try {
      return await retry(
        async (): Promise<CcxtOrder | "absent"> => {
          try {
            return await this.exchange.fetchOrderWithClientOrderId(request.clientOrderId, request.symbol);
          } catch (err) {
            const error = toVenueError(err, `look up ${request.clientOrderId}`);
            if (error.code === "ORDER_NOT_FOUND") {
              if (notFoundOnce) return "absent";
              notFoundOnce = true;
            } else if (error.retryable) lastError = error;
            throw error;
          }
        },
        {
          policy: { ...this.retry, attempts: this.retry.attempts + 1 },
          sleep: this.sleep,
          shouldRetry: (err) => notFound(err) || (err as VenueError).retryable,
          // A first "not found" is only trusted a receive window later.
          delay: (ms, err) => (notFound(err) ? this.retry.absentConfirmDelayMs : ms),
        },
      );
    } catch (err) {
      if (!notFound(err) && !(err as VenueError).retryable) return err as VenueError;
      return lastError ?? new VenueError("ORDER_STATE_UNKNOWN", `look up ${request.clientOrderId}: no answer`);
    }
  }

  /** Reads and cancels: core/retry.ts with this venue's policy; retryable VenueErrors only (quiet: no warning per retry). */
  private async withRetry<T>(action: string, call: () => Promise<T>, options: { quiet?: boolean } = {}): Promise<T> {
    return retry(
      async () => {
        try {
          return await call();
        } catch (err) {
          throw toVenueError(err, action);
        }
      },
      {
        policy: this.retry,
        sleep: this.sleep,
        shouldRetry: (err) => (err as VenueError).retryable,
        onRetry: (err, attempt) => {
          const error = err as VenueError;
          if (!options.quiet) this.logger.warn({ action, attempt, code: error.code, err: error.message }, "venue call failed, will retry");
        },
      },
    );
  }

  private async ensureMarkets(): Promise<void> {
    if (this.exchange.markets && Object.keys(this.exchange.markets).length > 0) return;
    await this.withRetry("load markets", () => this.exchange.loadMarkets());
  }

  private backoff(retryNumber: number): number {
    return backoffDelay(this.retry, retryNumber);
  }
}

/**
 * An order the venue placed itself to close a position: Binance's liquidation engine (clientOrderId
 * "autoclose-…", order type LIQUIDATION, fills of execution type CALCULATED), its auto-deleveraging
 * ("adl_autoclose…") and the delivery settlement ("settlement_autoclose-…").
 */
export function isVenueLiquidation(update: Pick<VenueOrderUpdate, "clientOrderId" | "type">): boolean {
  return String(update.type).toLowerCase() === "liquidation" || /^(autoclose-|adl_autoclose|settlement_autoclose-)/.test(update.clientOrderId ?? "");
}

/** The update's fills add up to less than the order's filled quantity. */
function fillsShort(update: VenueOrderUpdate): boolean {
  const inHand = update.fills.reduce((sum, f) => sum + f.quantity, 0);
  return inHand < update.filledQuantity * (1 - 1e-9) - 1e-12;
}

function mapStatus(order: CcxtOrder, filled: number): OrderStatus {
  switch (order.status) {
    case "open":
      return filled > 0 ? "partially_filled" : "submitted";
    case "closed":
      return "filled";
    case "canceled":
    case "cancelled":
      return "cancelled";
    case "expired":
      return "expired";
    case "rejected":
      return "rejected";
    default:
      // ccxt leaves status undefined on some create answers: the order was accepted.
      return filled > 0 ? "partially_filled" : "submitted";
  }
}

function mapType(order: CcxtOrder): OrderType | string {
  const info = (order.info ?? {}) as Record<string, unknown>;
  const raw = String(info.type ?? info.o ?? order.type ?? "").toLowerCase();
  if (raw === "limit_maker") return "limit";
  return raw || "unknown";
}

function rejectReason(order: CcxtOrder): string {
  const info = (order.info ?? {}) as Record<string, unknown>;
  const venueReason = info.r ?? info.rejectReason ?? info.expiryReason;
  return venueReason && venueReason !== "NONE" ? `venue status ${order.status}: ${String(venueReason)}` : `venue status ${order.status}`;
}

/** A ccxt NotSupported error (the exchange class lists the method but not for this market). */
function isNotSupported(err: unknown): boolean {
  const e = err as { name?: unknown; constructor?: { name?: unknown } } | null;
  return e?.name === "NotSupported" || e?.constructor?.name === "NotSupported";
}

/**
 * Binance USDⓈ-M's wallet balance per asset from the raw account answer (GET /fapi/v2|v3/account:
 * `assets[].walletBalance`; GET /fapi/v2/balance: `[].balance`), keyed by asset; undefined for a
 * spot answer (no such fields), so spot balances are read as before.
 */
function futuresWallets(info: unknown): Map<string, number> | undefined {
  const list = Array.isArray(info) ? info : Array.isArray((info as { assets?: unknown } | undefined)?.assets) ? (info as { assets: unknown[] }).assets : undefined;
  if (!list) return undefined;
  const wallets = new Map<string, number>();
  for (const item of list) {
    const entry = item as { asset?: unknown; walletBalance?: unknown; balance?: unknown };
    const wallet = num(entry.walletBalance ?? entry.balance);
    if (typeof entry.asset === "string" && wallet !== undefined) wallets.set(entry.asset, wallet);
  }
  return wallets.size > 0 ? wallets : undefined;
}
