import type { Clock } from "../core/clock";
import { AppError, notFound } from "../core/errors";
import { EventBus } from "../core/event-bus";
import { newClientOrderId } from "../core/ids";
import { createLogger, type Logger } from "../core/logger";
import { assertRetryPolicy, retry, type RetryPolicy } from "../core/retry";
import type { Fill, KernelMode, Order, OrderRequest, OrderStatus } from "../model/types";
import { toVenueError, VenueError } from "./errors";
import { applyVenueUpdate, canTransition, isTerminal } from "./order-state";
import type { OrderStore } from "./order-store";
import type { ExecutionVenue, MarketEvent, VenueOrderUpdate } from "./types";
import { assertValidOrderRequest, isStopType } from "./validate";

export interface ExecutionEvents {
  /** After every persisted change of an order (including its creation as "new"). */
  "order.updated": Order;
  /** After a fill was persisted for the first time; `order` is the order after that update. */
  "order.fill": { fill: Fill; order: Order };
  /** Something that needs a person's attention but did not stop trading (illegal transition, unknown order...). */
  "execution.warning": { code: string; message: string; clientOrderId?: string };
}

/** What the engine hands over: an order request without the id and time the manager assigns. */
export type NewOrder = Omit<OrderRequest, "clientOrderId" | "createdAt"> & { clientOrderId?: string; createdAt?: number };

/** Submit attempts in total (first try included, default 3) and their backoff: core/retry.ts. */
export type { RetryPolicy } from "../core/retry";

export interface OrderManagerOptions {
  venue: ExecutionVenue;
  store: OrderStore;
  mode: KernelMode;
  clock: Clock;
  events?: EventBus<ExecutionEvents>;
  logger?: Logger;
  /** Client order id source; SequentialIds.next in backtests for reproducible ids. */
  newClientOrderId?: () => string;
  retry?: Partial<RetryPolicy>;
  /** Backoff sleep; tests pass an instant one. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * The second risk check of an engine-held stop at the moment it triggers (the order gateway wires
   * it to the risk engine). Refused: the stop is cancelled with the reason, nothing is sent.
   */
  authorizeTriggeredStop?: (request: OrderRequest) => { allowed: true } | { allowed: false; reason: string };
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Owns the lifecycle of orders: persists each order as "new" before it is sent, sends it (retrying
 * transient failures with the same client order id, looking the order up before any resend), applies
 * venue updates through the state machine, persists fills once (idempotent on venueTradeId) and only
 * then publishes them. Holds stop orders itself when the venue cannot.
 *
 * Work on one order is serialised, so a push from the venue and the answer to submit() never race.
 */
export class OrderManager {
  readonly events: EventBus<ExecutionEvents>;
  readonly venue: ExecutionVenue;
  private readonly store: OrderStore;
  private readonly mode: KernelMode;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly nextId: () => string;
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly authorizeTriggeredStop: OrderManagerOptions["authorizeTriggeredStop"];

  private readonly open = new Map<string, Order>();
  private readonly heldStops = new Map<string, Order>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly pending = new Set<Promise<unknown>>();
  private unsubscribe: (() => void) | undefined;
  /** The order whose venue.submit() call is running right now, and the pushes for it held meanwhile (see submitToVenue). */
  private submitting: { clientOrderId: string; held: VenueOrderUpdate[] } | undefined;
  /** Pushes queued behind their own submit whose applied answer already says everything they say (see markCoveredPushes). */
  private readonly coveredPushes = new Set<VenueOrderUpdate>();

  constructor(options: OrderManagerOptions) {
    this.venue = options.venue;
    this.store = options.store;
    this.mode = options.mode;
    this.clock = options.clock;
    this.logger = options.logger ?? createLogger("silent");
    this.events = options.events ?? new EventBus<ExecutionEvents>((event, err) => this.logger.error({ err, event }, "execution event listener failed"));
    this.nextId = options.newClientOrderId ?? newClientOrderId;
    this.retry = assertRetryPolicy({ attempts: 3, baseDelayMs: 500, maxDelayMs: 5_000, ...options.retry });
    this.sleep = options.sleep ?? realSleep;
    this.authorizeTriggeredStop = options.authorizeTriggeredStop;
  }

  /**
   * Load open orders of this mode, re-arm engine-held stops and listen to the venue. Run
   * reconcile() first: it settles what happened while the process was down.
   */
  async start(): Promise<void> {
    for (const order of await this.store.loadOpenOrders(this.mode)) {
      this.open.set(order.clientOrderId, order);
      if (this.isHeldStop(order)) this.heldStops.set(order.clientOrderId, order);
    }
    this.unsubscribe?.();
    this.unsubscribe = this.venue.onUpdate((update) => {
      // Queued where it arrives (behind the work already queued for its order, as always); one sent
      // from inside that order's own submit() call is also held, for send() to judge (see markCoveredPushes).
      const submitting = this.submitting;
      if (submitting !== undefined && submitting.clientOrderId === update.clientOrderId) submitting.held.push(update);
      this.track(
        this.serial(update.clientOrderId, () => this.applyPush(update)).catch((err) =>
          this.logger.error({ err, clientOrderId: update.clientOrderId }, "applying a venue update failed"),
        ),
      );
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Resolves when every queued piece of order work (pushes, triggered stops) is done. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  getOrder(clientOrderId: string): Order | undefined {
    return this.open.get(clientOrderId);
  }

  openOrders(): Order[] {
    return [...this.open.values()];
  }

  /** Stop orders the engine holds because the venue cannot (they reach the venue as limits once triggered). */
  heldStopOrders(): Order[] {
    return [...this.heldStops.values()];
  }

  /**
   * Persist the order as "new", then send it. Resolves with the order as it stands after the
   * venue's answer: rejected orders resolve (status "rejected", `error` says why); an order whose
   * fate could not be learned stays "new" with `error` set, and reconciliation settles it.
   * Throws VenueError INVALID_ORDER, without persisting anything, for a malformed request.
   */
  async place(input: NewOrder): Promise<Order> {
    const now = this.clock.now();
    const order: Order = {
      ...input,
      clientOrderId: input.clientOrderId ?? this.nextId(),
      createdAt: input.createdAt ?? now,
      mode: this.mode,
      status: "new",
      filledQuantity: 0,
      avgFillPrice: 0,
      fee: 0,
      updatedAt: now,
    };
    assertValidOrderRequest(order);
    return this.serial(order.clientOrderId, async () => {
      await this.store.saveOrder(order);
      this.open.set(order.clientOrderId, order);
      this.events.emit("order.updated", order);
      if (this.isStopForEngine(order)) return this.hold(order);
      return this.send(order.clientOrderId, toRequest(order));
    });
  }

  /** Cancel an open order; an order already closed resolves unchanged. */
  async cancel(clientOrderId: string): Promise<Order> {
    return this.serial(clientOrderId, async () => {
      const order = await this.current(clientOrderId);
      if (!order) throw notFound(`order ${clientOrderId}`);
      if (isTerminal(order.status)) return order;
      if (this.heldStops.has(clientOrderId)) {
        this.heldStops.delete(clientOrderId);
        return this.setStatus(order, "cancelled", "cancelled before its stop triggered (held by the engine)");
      }
      try {
        const update = await this.venue.cancel(clientOrderId, order.symbol);
        return (await this.applyUpdate(update)) ?? order;
      } catch (err) {
        const error = toVenueError(err, `cancel ${clientOrderId}`);
        if (error.code !== "ORDER_NOT_FOUND") throw error;
        const seen = await this.venue.fetchOrder(clientOrderId, order.symbol);
        if (seen) return (await this.applyUpdate(seen)) ?? order;
        if (order.status === "new") return this.setStatus(order, "cancelled", "cancelled before it reached the venue");
        throw error;
      }
    });
  }

  /**
   * A person's word that an open order is over although the venue cannot say so (reconciliation: the
   * venue no longer knows it, e.g. cancelled by hand or lost before it arrived). Moves it to "cancelled"
   * through the state machine with `MARKED_CLOSED_BY_PERSON: <reason>` as its error, stored before this
   * resolves; fills already recorded stay recorded. Nothing is sent to the venue. An order already
   * closed resolves unchanged. The caller audits it (the reconciliation panel, server/golive).
   */
  async markClosedByPerson(clientOrderId: string, reason: string): Promise<Order> {
    const why = typeof reason === "string" ? reason.trim() : "";
    if (!why) throw new AppError("REASON_REQUIRED", `marking order ${clientOrderId} closed needs the reason`, 400);
    return this.serial(clientOrderId, async () => {
      const order = await this.current(clientOrderId);
      if (!order) throw notFound(`order ${clientOrderId}`);
      if (isTerminal(order.status)) return order;
      if (!canTransition(order.status, "cancelled")) {
        throw new AppError("ILLEGAL_TRANSITION", `order ${clientOrderId} cannot move from ${order.status} to cancelled`, 409);
      }
      this.heldStops.delete(clientOrderId);
      const closed = await this.setStatus(order, "cancelled", `MARKED_CLOSED_BY_PERSON: ${why}`);
      this.logger.warn({ clientOrderId, from: order.status, filledQuantity: order.filledQuantity, reason: why }, "order marked closed by a person");
      this.events.emit("execution.warning", { code: "ORDER_MARKED_CLOSED", message: `order ${clientOrderId} (${order.symbol} ${order.side}, was ${order.status}) marked closed by a person: ${why}`, clientOrderId });
      return closed;
    });
  }

  /**
   * Forward market data to the venue, then trigger engine-held stops whose price traded (candle
   * low/high or a trade). Triggered stops are sent as limit orders with their own client order id.
   */
  onMarket(event: MarketEvent): void {
    this.venue.onMarket(event);
    if (this.heldStops.size === 0) return;
    let symbol: string;
    let low: number;
    let high: number;
    if (event.type === "candle") {
      ({ symbol, low, high } = event.candle);
    } else if (event.type === "trade") {
      symbol = event.symbol;
      low = high = event.price;
    } else {
      return; // stops trigger on traded prices, not on quotes
    }
    for (const [id, order] of this.heldStops) {
      if (order.symbol !== symbol) continue;
      const fallTrigger = (order.side === "sell") === (order.type === "stop_loss_limit");
      const triggered = fallTrigger ? low <= order.stopPrice! : high >= order.stopPrice!;
      if (!triggered) continue;
      this.heldStops.delete(id);
      this.logger.info({ clientOrderId: id, stopPrice: order.stopPrice, low, high }, "engine-held stop triggered");
      this.track(
        this.serial(id, async () => {
          const current = await this.current(id);
          if (!current || isTerminal(current.status)) return;
          const request: OrderRequest = { ...toRequest(current), type: "limit", stopPrice: undefined, timeInForce: current.timeInForce ?? "GTC" };
          const verdict = this.authorizeTriggeredStop?.(request) ?? { allowed: true as const };
          if (!verdict.allowed) {
            this.logger.warn({ clientOrderId: id, reason: verdict.reason }, "triggered stop refused by the second risk check");
            await this.setStatus(current, "cancelled", `risk refused the triggered stop: ${verdict.reason}`);
            return;
          }
          await this.send(id, request);
        }).catch((err) => this.logger.error({ err, clientOrderId: id }, "sending a triggered stop failed")),
      );
    }
  }

  // ------------------------------------------------------------------ internals

  private isStopForEngine(order: Order): boolean {
    return isStopType(order.type) && !this.venue.capabilities.exchangeStops;
  }

  private isHeldStop(order: Order): boolean {
    return this.isStopForEngine(order) && order.status === "submitted" && !order.venueOrderId;
  }

  private async hold(order: Order): Promise<Order> {
    const held = await this.setStatus(order, "submitted");
    this.heldStops.set(held.clientOrderId, held);
    return held;
  }

  /**
   * Send with retries (core/retry.ts); never creates a second order for one client order id. The
   * one layer that retries a submission: a venue that retries its own (`retriesSubmissions`, the
   * live venue) gets a single attempt here, so a submission is never retried in two nested loops.
   */
  private async send(clientOrderId: string, request: OrderRequest): Promise<Order> {
    const state: SendState = { clientOrderId, request, lookUpFirst: false, lastError: undefined, held: [] };
    let sent: Sent;
    try {
      sent = await retry((n) => this.attemptSubmit(state, n), {
        policy: this.venue.retriesSubmissions ? { ...this.retry, attempts: 1 } : this.retry,
        sleep: this.sleep,
        shouldRetry: retryableSubmitError,
      });
    } catch (err) {
      const lastError = state.lastError;
      if (err !== lastError || !lastError) throw err;
      sent = !state.lookUpFirst && lastError.code === "RATE_LIMITED" ? { rejected: lastError } : { unknown: lastError };
    }
    if ("update" in sent) {
      const order = await this.applyOrKeep(clientOrderId, sent.update);
      this.markCoveredPushes(state.held, order, sent.update);
      return order;
    }
    if ("rejected" in sent) return this.markRejected(clientOrderId, sent.rejected);
    return this.markUnknown(clientOrderId, sent.unknown);
  }

  /** One attempt of send() (a method, not a closure per order: esbuild's keepNames names each closure at run time). */
  private async attemptSubmit(state: SendState, n: number): Promise<Sent> {
    const { clientOrderId, request } = state;
    if (state.lookUpFirst) {
      // The previous attempt may have reached the venue: find out before sending again.
      let seen: VenueOrderUpdate | undefined;
      try {
        seen = await this.venue.fetchOrder(clientOrderId, request.symbol);
      } catch (err) {
        throw (state.lastError = toVenueError(err, `look up ${clientOrderId}`));
      }
      if (seen) return { update: seen };
      state.lookUpFirst = false;
    }
    let update: VenueOrderUpdate;
    try {
      update = await this.submitToVenue(request, state.held);
    } catch (err) {
      const lastError = (state.lastError = toVenueError(err, `submit ${clientOrderId}`));
      if (lastError.code === "DUPLICATE_ORDER_ID") {
        state.lookUpFirst = true;
        throw lastError;
      }
      if (lastError.code === "ORDER_STATE_UNKNOWN") return { unknown: lastError };
      if (!lastError.retryable) return { rejected: lastError };
      // A rate-limit answer means the venue refused the request; anything else is ambiguous.
      state.lookUpFirst = lastError.code !== "RATE_LIMITED";
      this.logger.warn({ clientOrderId, attempt: n, code: lastError.code, err: lastError.message }, "submit failed, will retry");
      throw lastError;
    }
    return { update };
  }

  /**
   * venue.submit(), with the pushes the venue sends for this order from inside the call (an
   * in-process venue fills a market order before it answers) also collected in `held` (they are queued as usual):
   * send() marks those its answer already covers (see markCoveredPushes).
   */
  private submitToVenue(request: OrderRequest, held: VenueOrderUpdate[]): Promise<VenueOrderUpdate> {
    const outer = this.submitting;
    this.submitting = { clientOrderId: request.clientOrderId, held };
    try {
      return this.venue.submit(request);
    } finally {
      this.submitting = outer;
    }
  }

  /**
   * The pushes held during submit were queued behind send's own work when they came. Those that can
   * no longer change anything are marked covered, and their turn then skips the work: the answer was
   * applied, the order is final (terminal states never change again, fills and fee only grow), the
   * push moves nothing on it and its fills are the answer's, so applying it would be a no-op (no store
   * write, no event). Without an applied answer (a rejection, an unknown state) every push is applied.
   */
  private markCoveredPushes(held: readonly VenueOrderUpdate[], order: Order, answer: VenueOrderUpdate): void {
    if (held.length === 0 || !isTerminal(order.status)) return;
    for (const push of held) if (pushCoveredBy(push, order, answer, this.clock.now())) this.coveredPushes.add(push);
  }

  /** A venue push's turn in its order's queue. */
  private applyPush(update: VenueOrderUpdate): Promise<Order | undefined> {
    if (this.coveredPushes.delete(update)) return Promise.resolve(undefined);
    return this.applyUpdate(update);
  }

  private async applyOrKeep(clientOrderId: string, update: VenueOrderUpdate): Promise<Order> {
    const order = await this.applyUpdate(update);
    if (order) return order;
    const current = await this.current(clientOrderId);
    if (!current) throw notFound(`order ${clientOrderId}`);
    return current;
  }

  private async markRejected(clientOrderId: string, error: VenueError): Promise<Order> {
    const order = await this.current(clientOrderId);
    if (!order) throw notFound(`order ${clientOrderId}`);
    this.logger.warn({ clientOrderId, code: error.code, err: error.message }, "order rejected");
    return this.setStatus(order, "rejected", `${error.code}: ${error.message}`);
  }

  private async markUnknown(clientOrderId: string, error: VenueError): Promise<Order> {
    const order = await this.current(clientOrderId);
    if (!order) throw notFound(`order ${clientOrderId}`);
    const message = `ORDER_STATE_UNKNOWN: ${error.message}; reconciliation will settle it`;
    this.logger.error({ clientOrderId, code: error.code, err: error.message }, "order state unknown after retries");
    this.events.emit("execution.warning", { code: "ORDER_STATE_UNKNOWN", message, clientOrderId });
    const next: Order = { ...order, error: message, updatedAt: Math.max(order.updatedAt, this.clock.now()) };
    await this.store.updateOrder(next);
    this.remember(next);
    this.events.emit("order.updated", next);
    return next;
  }

  private async setStatus(order: Order, status: OrderStatus, error?: string): Promise<Order> {
    if (order.status !== status && !canTransition(order.status, status)) {
      this.refuse(order.clientOrderId, `illegal transition ${order.status} -> ${status} for ${order.clientOrderId}`);
      return order;
    }
    const next: Order = { ...order, status, updatedAt: Math.max(order.updatedAt, this.clock.now()) };
    if (error !== undefined) next.error = error;
    await this.store.updateOrder(next);
    this.remember(next);
    this.events.emit("order.updated", next);
    return next;
  }

  /**
   * Record the update's fills (each once), move the order through the state machine, persist, then
   * publish. Fills are facts: they are recorded even when the status change is refused.
   * Returns undefined for an order this manager does not know.
   */
  private async applyUpdate(update: VenueOrderUpdate): Promise<Order | undefined> {
    const current = await this.current(update.clientOrderId);
    if (!current) {
      const message = `update for unknown order ${update.clientOrderId} (${update.symbol} ${update.side} ${update.status})`;
      this.logger.warn({ update }, message);
      this.events.emit("execution.warning", { code: "UNKNOWN_ORDER", message, clientOrderId: update.clientOrderId });
      return undefined;
    }
    const newFills: Fill[] = [];
    for (const fill of update.fills) {
      const problem = fillProblem(fill, current);
      if (problem) {
        this.logger.error({ fill }, `fill ignored: ${problem}`);
        this.events.emit("execution.warning", { code: "BAD_FILL", message: `fill ${fill.venueTradeId} ignored: ${problem}`, clientOrderId: current.clientOrderId });
        continue;
      }
      if (await this.store.saveFill(fill)) newFills.push(fill);
    }
    let order = current;
    const outcome = applyVenueUpdate(current, update, this.clock.now());
    if (outcome.kind === "changed") {
      order = outcome.order;
      await this.store.updateOrder(order);
    } else if (outcome.kind === "refused") {
      this.refuse(current.clientOrderId, outcome.reason);
    }
    this.remember(order);
    for (const fill of newFills) this.events.emit("order.fill", { fill, order });
    if (outcome.kind === "changed") this.events.emit("order.updated", order);
    return order;
  }

  private refuse(clientOrderId: string, reason: string): void {
    this.logger.warn({ clientOrderId }, `order update refused: ${reason}`);
    this.events.emit("execution.warning", { code: "ILLEGAL_TRANSITION", message: reason, clientOrderId });
  }

  private remember(order: Order): void {
    if (isTerminal(order.status)) {
      this.open.delete(order.clientOrderId);
      this.heldStops.delete(order.clientOrderId);
    } else {
      this.open.set(order.clientOrderId, order);
      if (this.heldStops.has(order.clientOrderId)) this.heldStops.set(order.clientOrderId, order);
    }
  }

  private async current(clientOrderId: string): Promise<Order | undefined> {
    return this.open.get(clientOrderId) ?? (await this.store.loadOrder(clientOrderId));
  }

  private serial<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const run = previous.then(task);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(key, tail);
    void tail.then(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return run;
  }

  private track(promise: Promise<unknown>): void {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
  }
}

type Sent = { update: VenueOrderUpdate } | { unknown: VenueError } | { rejected: VenueError };

/** What the attempts of one send() share. */
interface SendState {
  clientOrderId: string;
  request: OrderRequest;
  lookUpFirst: boolean;
  lastError: VenueError | undefined;
  /** Pushes the venue sent for this order from inside its submit() calls. */
  held: VenueOrderUpdate[];
}

function retryableSubmitError(err: unknown): boolean {
  return err instanceof VenueError && (err.retryable || err.code === "DUPLICATE_ORDER_ID");
}

/** The push would leave the (final) order as it is: same state, and only fills the applied answer carried, all well-formed. */
function pushCoveredBy(push: VenueOrderUpdate, order: Order, answer: VenueOrderUpdate, now: number): boolean {
  if (applyVenueUpdate(order, push, now).kind !== "unchanged") return false;
  for (const fill of push.fills) {
    if (fillProblem(fill, order) !== undefined) return false;
    let inAnswer = false;
    for (const known of answer.fills) {
      if (known.venueTradeId === fill.venueTradeId && known.clientOrderId === fill.clientOrderId) {
        inAnswer = true;
        break;
      }
    }
    if (!inAnswer) return false;
  }
  return true;
}

/** The request part of a stored order (what a venue needs to place it). */
export function toRequest(order: Order): OrderRequest {
  const { mode: _mode, status: _status, venueOrderId: _venueOrderId, filledQuantity: _filled, avgFillPrice: _avg, fee: _fee, updatedAt: _updatedAt, error: _error, ...request } = order;
  return request;
}

function fillProblem(fill: Fill, order: Order): string | undefined {
  if (fill.clientOrderId !== order.clientOrderId) return `belongs to ${fill.clientOrderId}, not ${order.clientOrderId}`;
  if (typeof fill.venueTradeId !== "string" || fill.venueTradeId === "") return "has no venue trade id";
  if (!(fill.price > 0) || !Number.isFinite(fill.price)) return `price ${fill.price} is not a positive number`;
  if (!(fill.quantity > 0) || !Number.isFinite(fill.quantity)) return `quantity ${fill.quantity} is not a positive number`;
  if (!Number.isFinite(fill.fee) || fill.fee < 0) return `fee ${fill.fee} is not a number >= 0`;
  if (!Number.isFinite(fill.timestamp)) return `timestamp ${fill.timestamp} is not a number`;
  return undefined;
}
