import type { Balance, Fill, OrderRequest, OrderStatus } from "../../model/types";
import { VenueError } from "../errors";
import type { ExecutionVenue, MarketEvent, VenueCapabilities, VenueFill, VenueOrderUpdate, VenueUpdateListener } from "../types";

/** One order as the fake venue holds it. */
export interface FakeOrder {
  request: OrderRequest;
  venueOrderId: string;
  status: OrderStatus;
  filledQuantity: number;
  avgFillPrice: number;
  fee: number;
  fills: Fill[];
}

/**
 * A scriptable in-memory venue for order-manager and reconciliation tests. It behaves like a venue
 * that de-duplicates by client order id, and can be told to fail in the ways real venues fail.
 */
export class FakeVenue implements ExecutionVenue {
  readonly id = "fake";
  readonly kind = "live" as const;
  readonly simulated = true;
  readonly testnet = false;
  capabilities: VenueCapabilities = {
    exchangeStops: true,
    reduceOnly: false,
    shorting: false,
    pushUpdates: true,
    orderTypes: ["market", "limit", "stop_loss_limit", "take_profit_limit"],
    timeInForce: ["GTC", "IOC", "FOK"],
  };

  readonly orders = new Map<string, FakeOrder>();
  readonly submitCalls: OrderRequest[] = [];
  readonly fetchOrderCalls: string[] = [];
  /** Fills of orders the venue does not attach to them (e.g. a trade of a manual order). */
  readonly looseFills: VenueFill[] = [];
  /** Next submits: accept the order, then throw a timeout (the answer was lost). */
  acceptThenTimeout = 0;
  /** Next submits: throw a timeout without accepting (the request was lost). */
  loseThenTimeout = 0;
  /** Every call throws this error (venue down, bad credentials...). */
  failEverything: VenueError | undefined;
  /** Throw this on the next submit. */
  rejectNext: VenueError | undefined;
  /** Called with each accepted request before it is stored. */
  onSubmit: ((request: OrderRequest) => void) | undefined;
  private seq = 0;
  private tradeSeq = 0;
  private readonly listeners = new Set<VenueUpdateListener>();
  readonly marketEvents: MarketEvent[] = [];

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  onUpdate(listener: VenueUpdateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onMarket(event: MarketEvent): void {
    this.marketEvents.push(event);
  }

  async submit(request: OrderRequest): Promise<VenueOrderUpdate> {
    this.guard();
    this.submitCalls.push({ ...request });
    if (this.rejectNext) {
      const error = this.rejectNext;
      this.rejectNext = undefined;
      throw error;
    }
    if (this.loseThenTimeout > 0) {
      this.loseThenTimeout -= 1;
      throw new VenueError("TIMEOUT", "request timed out");
    }
    const existing = this.orders.get(request.clientOrderId);
    if (existing) throw new VenueError("DUPLICATE_ORDER_ID", `duplicate order ${request.clientOrderId}`);
    this.onSubmit?.(request);
    const order: FakeOrder = {
      request: { ...request },
      venueOrderId: `V${++this.seq}`,
      status: "submitted",
      filledQuantity: 0,
      avgFillPrice: 0,
      fee: 0,
      fills: [],
    };
    this.orders.set(request.clientOrderId, order);
    if (this.acceptThenTimeout > 0) {
      this.acceptThenTimeout -= 1;
      throw new VenueError("TIMEOUT", "request timed out after the venue accepted it");
    }
    return this.snapshot(order);
  }

  async cancel(clientOrderId: string, symbol: string): Promise<VenueOrderUpdate> {
    this.guard();
    const order = this.orders.get(clientOrderId);
    if (!order || order.request.symbol !== symbol) throw new VenueError("ORDER_NOT_FOUND", `no order ${clientOrderId}`);
    if (order.status === "submitted" || order.status === "partially_filled") order.status = "cancelled";
    return this.snapshot(order);
  }

  async fetchOrder(clientOrderId: string, symbol: string): Promise<VenueOrderUpdate | undefined> {
    this.guard();
    this.fetchOrderCalls.push(clientOrderId);
    const order = this.orders.get(clientOrderId);
    return order && order.request.symbol === symbol ? this.snapshot(order, true) : undefined;
  }

  async fetchOpenOrders(symbol?: string): Promise<VenueOrderUpdate[]> {
    this.guard();
    return [...this.orders.values()]
      .filter((o) => (o.status === "submitted" || o.status === "partially_filled") && (symbol === undefined || o.request.symbol === symbol))
      .map((o) => this.snapshot(o));
  }

  async fetchFills(symbol: string, since: number): Promise<VenueFill[]> {
    this.guard();
    const attached = [...this.orders.values()].flatMap((o) => o.fills.map((f) => ({ ...f, venueOrderId: o.venueOrderId })));
    return [...attached, ...this.looseFills].filter((f) => f.symbol === symbol && f.timestamp >= since);
  }

  async fetchBalances(): Promise<Balance[]> {
    this.guard();
    return [];
  }

  /** Fill (part of) an order at the venue; `push` also tells the listeners. */
  fill(clientOrderId: string, quantity: number, price: number, timestamp: number, options: { push?: boolean; fee?: number } = {}): Fill {
    const order = this.orders.get(clientOrderId);
    if (!order) throw new Error(`fake venue has no order ${clientOrderId}`);
    const fill: Fill = {
      clientOrderId,
      venueTradeId: `T${++this.tradeSeq}`,
      symbol: order.request.symbol,
      side: order.request.side,
      price,
      quantity,
      fee: options.fee ?? 0,
      liquidity: "taker",
      timestamp,
    };
    const notional = order.avgFillPrice * order.filledQuantity + price * quantity;
    order.filledQuantity += quantity;
    order.avgFillPrice = notional / order.filledQuantity;
    order.fee += fill.fee;
    order.fills.push(fill);
    order.status = order.filledQuantity >= order.request.quantity ? "filled" : "partially_filled";
    if (options.push) this.push(this.snapshot(order, false, [fill]));
    return fill;
  }

  /** Place an order directly at the venue, bypassing the app (a manual order, or one sent before a crash). */
  plant(request: OrderRequest, status: OrderStatus = "submitted"): FakeOrder {
    const order: FakeOrder = { request: { ...request }, venueOrderId: `V${++this.seq}`, status, filledQuantity: 0, avgFillPrice: 0, fee: 0, fills: [] };
    this.orders.set(request.clientOrderId, order);
    return order;
  }

  push(update: VenueOrderUpdate): void {
    for (const listener of this.listeners) listener(update);
  }

  snapshot(order: FakeOrder, withFills = false, fills?: Fill[]): VenueOrderUpdate {
    return {
      clientOrderId: order.request.clientOrderId,
      venueOrderId: order.venueOrderId,
      symbol: order.request.symbol,
      side: order.request.side,
      type: order.request.type,
      status: order.status,
      quantity: order.request.quantity,
      price: order.request.price,
      stopPrice: order.request.stopPrice,
      filledQuantity: order.filledQuantity,
      avgFillPrice: order.avgFillPrice,
      fee: order.fee,
      fills: fills ?? (withFills ? [...order.fills] : []),
      timestamp: 0,
    };
  }

  private guard(): void {
    if (this.failEverything) throw this.failEverything;
  }
}

export function request(overrides: Partial<OrderRequest> = {}): OrderRequest {
  return {
    clientOrderId: overrides.clientOrderId ?? "tk-test-1",
    symbol: "BTC/USDT",
    side: "buy",
    type: "market",
    quantity: 1,
    intent: "entry",
    reduceOnly: false,
    reason: "test order",
    createdAt: 0,
    ...overrides,
  };
}
