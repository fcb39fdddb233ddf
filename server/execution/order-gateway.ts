import type { Clock } from "../core/clock";
import type { EventBus } from "../core/event-bus";
import type { Logger } from "../core/logger";
import type { Balance, KernelMode, Order, OrderRequest } from "../model/types";
import type { ApprovalRedeemer, OrderApproval } from "../risk";
import { OrderManager, type ExecutionEvents, type NewOrder, type RetryPolicy } from "./order-manager";
import type { OrderStore } from "./order-store";
import { reconcile, type ReconcileReport } from "./reconcile";
import type { OrderThrottle } from "./order-throttle";
import type { ExecutionVenue, MarketEvent, VenueCapabilities, VenueKind, VenueOrderUpdate } from "./types";
import { withVenuePriority } from "./venue-usage";
import { isTerminal } from "./order-state";

/**
 * The only road from the engine to a venue. The gateway owns the venue and its order manager; what
 * the rest of the engine holds is this object, which sends an order only for an approval the risk
 * engine issued (checked by identity and used once, see risk/bypass.ts) and only while the venue's
 * order-rate throttle has room. Engine-held stops get a second risk decision when they trigger.
 * Everything else here is reading (orders, balances) or taking orders away (cancel).
 *
 * Exits (intent "exit": protective exits, closes, the kill switch) and cancels have priority: the
 * throttle and the venue's usage gate let them use half of the headroom kept free, so a burst of
 * entries never holds the way out behind the next rate window (see order-throttle.ts, venue-usage.ts).
 */

/** The client order id of a request the risk engine decides before the order manager assigns one. */
export const PENDING_CLIENT_ORDER_ID = "pending-risk-check";

export type ApprovedRequest = OrderRequest & Pick<NewOrder, "riskChecks">;

export type GatewayResult = { sent: true; order: Order } | { sent: false; code: string; message: string };

export interface OrderGatewayOptions {
  venue: ExecutionVenue;
  store: OrderStore;
  mode: KernelMode;
  clock: Clock;
  logger?: Logger;
  newClientOrderId?: () => string;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  /** The venue's order-rate limits (shared by every gateway on the same venue account). None: unthrottled. */
  throttle?: OrderThrottle;
}

/** What the account hands the gateway: the risk engine's redeemer and its second decision for triggered stops. */
export interface GatewayRiskWiring {
  approvals: ApprovalRedeemer;
  /** risk.authorize() for a triggered stop's limit order. */
  authorizeTriggeredStop(request: OrderRequest): { approval?: OrderApproval<OrderRequest, unknown>; message: string };
}

/** Everything the gateway needs except the risk wiring (the account supplies that). */
export type OrderGatewayFactory = (risk: GatewayRiskWiring) => OrderGateway;

export function orderGateway(options: OrderGatewayOptions): OrderGatewayFactory {
  return (risk) => new OrderGateway(options, risk);
}

export class OrderGateway {
  readonly #venue: ExecutionVenue;
  readonly #manager: OrderManager;
  readonly #approvals: ApprovalRedeemer;
  readonly #throttle: OrderThrottle | undefined;
  readonly #store: OrderStore;
  readonly #mode: KernelMode;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly events: EventBus<ExecutionEvents>;
  /**
   * Only a live venue (ccxt) sends REST requests through a usage gate (venue-usage.ts): the priority
   * context means nothing to an in-process venue (paper, ghost, backtests), and entering it costs
   * every later promise of the process an async hook.
   */
  readonly #usesPriority: boolean;
  /** Balances read once for a round of exits, answered by balanceList() during withBalances() only. */
  #roundBalances: Balance[] | undefined;

  constructor(options: OrderGatewayOptions, risk: GatewayRiskWiring) {
    this.#venue = options.venue;
    this.#approvals = risk.approvals;
    this.#throttle = options.throttle;
    this.#store = options.store;
    this.#mode = options.mode;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#usesPriority = options.venue.kind === "live";
    this.#manager = new OrderManager({
      venue: options.venue,
      store: options.store,
      mode: options.mode,
      clock: options.clock,
      logger: options.logger,
      newClientOrderId: options.newClientOrderId,
      retry: options.retry,
      sleep: options.sleep,
      authorizeTriggeredStop: (request) => {
        const { approval, message } = risk.authorizeTriggeredStop(request);
        if (!approval || !this.#approvals.redeem(approval)) return { allowed: false, reason: message };
        const room = this.#throttle?.take() ?? { ok: true as const };
        return room.ok ? { allowed: true } : { allowed: false, reason: `${room.code}: ${room.message}` };
      },
    });
    this.events = this.#manager.events;
  }

  // ---- the venue, as far as the engine may know it ----

  get venueId(): string {
    return this.#venue.id;
  }

  get kind(): VenueKind {
    return this.#venue.kind;
  }

  get simulated(): boolean {
    return this.#venue.simulated;
  }

  get capabilities(): VenueCapabilities {
    return this.#venue.capabilities;
  }

  // ---- sending: approved requests only ----

  /**
   * Send the request the risk engine approved (persisted before the venue sees it, see OrderManager).
   * A forged, foreign or already used approval is refused without touching the venue; so is an order
   * over the venue's rate limit.
   */
  async submit(approval: OrderApproval<OrderRequest, unknown>, extra: Pick<NewOrder, "riskChecks"> = {}): Promise<GatewayResult> {
    if (!this.#approvals.redeem(approval)) {
      this.#logger?.error({ request: approval?.request }, "order refused by the gateway: no risk approval");
      return { sent: false, code: "NO_RISK_APPROVAL", message: "order refused: it carries no approval of this account's risk engine (forged, foreign or already used)" };
    }
    const exit = approval.request.intent === "exit";
    const room = this.#throttle?.take({ priority: exit }) ?? { ok: true as const };
    if (!room.ok) return { sent: false, code: room.code, message: room.message };
    const { clientOrderId, ...request } = approval.request;
    const input: NewOrder = { ...request, ...extra, clientOrderId: clientOrderId === PENDING_CLIENT_ORDER_ID ? undefined : clientOrderId };
    const order = await (this.#usesPriority ? withVenuePriority(() => this.#manager.place(input), exit) : this.#manager.place(input));
    return { sent: true, order };
  }

  /** withVenuePriority() where a usage gate can read it (a live venue); a plain call otherwise. */
  #withPriority<T>(fn: () => T, priority = true): T {
    return this.#usesPriority ? withVenuePriority(fn, priority) : fn();
  }

  /** Taking an order away needs no approval: it never adds exposure (and it has priority at the venue). */
  cancel(clientOrderId: string): Promise<Order> {
    return this.#withPriority(() => this.#manager.cancel(clientOrderId));
  }

  /** Cancel an order the venue has and this process does not know (kill switch). */
  cancelAtVenue(clientOrderId: string, symbol: string): Promise<VenueOrderUpdate> {
    return this.#withPriority(() => this.#venue.cancel(clientOrderId, symbol));
  }

  /**
   * A person marks an open order closed that the venue does not know (the reconciliation panel's
   * "mark closed", through the account's settleMissingOrder only; audited there). Nothing is sent:
   * the order moves to cancelled through the state machine, stored before this resolves.
   */
  markClosedByPerson(clientOrderId: string, reason: string): Promise<Order> {
    return this.#manager.markClosedByPerson(clientOrderId, reason);
  }

  /**
   * Cancel every open order of one symbol: one cancel-all request where the venue has one (Binance
   * DELETE /api/v3/openOrders; orders this process does not know included), then the orders this
   * process knows that the answer did not settle (engine-held stops, orders still on their way) one
   * by one. Resolves when the order manager has applied every cancellation.
   */
  async cancelOrdersOf(symbol: string): Promise<{ cancelled: number }> {
    if (typeof symbol !== "string" || symbol === "") throw new TypeError(`cancelOrdersOf needs a symbol (got ${String(symbol)})`);
    return this.#withPriority(async () => {
      const known = this.#manager.openOrders().filter((o) => o.symbol === symbol);
      let cancelled = 0;
      const settledByVenue = new Set<string>();
      if (this.#venue.cancelAllOrders) {
        // The venue reports each cancelled order to the manager's listener (queued per order before this resolves).
        for (const update of await this.#venue.cancelAllOrders(symbol)) {
          settledByVenue.add(update.clientOrderId);
          if (update.status === "cancelled") cancelled += 1;
        }
      }
      // A known order is settled by now when the venue's answer covered it (the manager's cancel then
      // finds it terminal without a venue call); the others are cancelled one by one, in parallel.
      const results = await Promise.allSettled(known.map((o) => this.#manager.cancel(o.clientOrderId)));
      const failures: string[] = [];
      results.forEach((r, i) => {
        const id = known[i].clientOrderId;
        if (r.status === "rejected") failures.push(`${id}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
        else if (!settledByVenue.has(id) && r.value.status === "cancelled") cancelled += 1;
        else if (!isTerminal(r.value.status)) failures.push(`${id}: still ${r.value.status}`);
      });
      if (failures.length > 0) throw new Error(`cancel ${symbol}: ${cancelled} cancelled, ${failures.length} not: ${failures.join("; ")}`);
      return { cancelled };
    });
  }

  /**
   * Run `fn` with priority at the venue (the kill switch's reads, cancels and closes): its requests may
   * use the headroom the usage gate keeps free for exits, still within the venue's hard limits.
   */
  urgent<T>(fn: () => Promise<T>): Promise<T> {
    return this.#withPriority(fn);
  }

  /**
   * Run `fn` with `balances` as the venue's free balances for its synchronous part: an exit sized
   * there (before its first await) reads them instead of asking the venue again; anything later,
   * such as a retry after the exit's fill, asks the venue afresh.
   */
  withBalances<T>(balances: Balance[], fn: () => T): T {
    const previous = this.#roundBalances;
    this.#roundBalances = balances;
    try {
      return fn();
    } finally {
      this.#roundBalances = previous;
    }
  }

  // ---- reading ----

  openOrders(): Order[] {
    return this.#manager.openOrders();
  }

  getOrder(clientOrderId: string): Order | undefined {
    return this.#manager.getOrder(clientOrderId);
  }

  heldStopOrders(): Order[] {
    return this.#manager.heldStopOrders();
  }

  fetchOpenOrders(symbol?: string): Promise<VenueOrderUpdate[]> {
    return this.#venue.fetchOpenOrders(symbol);
  }

  fetchBalances(): Promise<Balance[]> {
    return this.#venue.fetchBalances();
  }

  /** In-process balances (paper, ghost), the round's balances during withBalances(), or undefined where the venue must be asked. */
  balanceList(): Balance[] | undefined {
    return this.#venue.balanceList?.() ?? this.#roundBalances;
  }

  // ---- lifecycle ----

  onMarket(event: MarketEvent): void {
    this.#manager.onMarket(event);
  }

  /** Start-up recovery: settle with the venue what happened while the process was down (before start()). */
  reconcile(symbols: readonly string[]): Promise<ReconcileReport> {
    return reconcile({ store: this.#store, venue: this.#venue, mode: this.#mode, now: this.#clock.now(), symbols, events: this.#manager.events, logger: this.#logger });
  }

  async start(): Promise<void> {
    await this.#venue.start();
    await this.#manager.start();
  }

  /** Stop following the venue (orders in flight still finish; see idle()). */
  detach(): void {
    this.#manager.stop();
  }

  idle(): Promise<void> {
    return this.#manager.idle();
  }

  stopVenue(): Promise<void> {
    return this.#venue.stop();
  }
}
