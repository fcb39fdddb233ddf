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

/**
 * The only road from the engine to a venue. The gateway owns the venue and its order manager; what
 * the rest of the engine holds is this object, which sends an order only for an approval the risk
 * engine issued (checked by identity and used once, see risk/bypass.ts) and only while the venue's
 * order-rate throttle has room. Engine-held stops get a second risk decision when they trigger.
 * Everything else here is reading (orders, balances) or taking orders away (cancel).
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

  constructor(options: OrderGatewayOptions, risk: GatewayRiskWiring) {
    this.#venue = options.venue;
    this.#approvals = risk.approvals;
    this.#throttle = options.throttle;
    this.#store = options.store;
    this.#mode = options.mode;
    this.#clock = options.clock;
    this.#logger = options.logger;
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
    const room = this.#throttle?.take() ?? { ok: true as const };
    if (!room.ok) return { sent: false, code: room.code, message: room.message };
    const { clientOrderId, ...request } = approval.request;
    const order = await this.#manager.place({ ...request, ...extra, clientOrderId: clientOrderId === PENDING_CLIENT_ORDER_ID ? undefined : clientOrderId });
    return { sent: true, order };
  }

  /** Taking an order away needs no approval: it never adds exposure. */
  cancel(clientOrderId: string): Promise<Order> {
    return this.#manager.cancel(clientOrderId);
  }

  /** Cancel an order the venue has and this process does not know (kill switch). */
  cancelAtVenue(clientOrderId: string, symbol: string): Promise<VenueOrderUpdate> {
    return this.#venue.cancel(clientOrderId, symbol);
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

  /** In-process balances (paper, ghost), or undefined where the venue must be asked. */
  balanceList(): Balance[] | undefined {
    return this.#venue.balanceList?.();
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
