import { AppError, conflict, notFound } from "../core/errors";
import type { Fill, KernelMode, Order } from "../model/types";
import { isTerminal } from "./order-state";

/**
 * Persistence port of the order manager. The Prisma implementation (tables orders and fills) is
 * written by the integrator; InMemoryOrderStore is the reference behaviour and serves backtests.
 */
export interface OrderStore {
  /** Insert a new order; throws CONFLICT when the client order id exists. */
  saveOrder(order: Order): Promise<void>;
  /**
   * Replace a stored order; throws NOT_FOUND when it does not exist. Terminal states are final: a
   * stored filled/cancelled/rejected/expired order is only rewritten with that same status (a late
   * fee or fill); any other status changes nothing and throws ORDER_FINAL (orderFinal), checked and
   * written atomically, so a stale copy can never move an order back.
   */
  updateOrder(order: Order): Promise<void>;
  /** Store a fill; false (and nothing written) when (clientOrderId, venueTradeId) is already stored. */
  saveFill(fill: Fill): Promise<boolean>;
  /** Orders of a mode whose status is new, submitted or partially_filled. */
  loadOpenOrders(mode: KernelMode): Promise<Order[]>;
  loadOrder(clientOrderId: string): Promise<Order | undefined>;
  /**
   * The order of this mode the venue knows by this id. A venue's trade list names only its own order
   * id, so reconciliation finds the bot's finished orders by it (a fill of one is not "unknown").
   */
  findByVenueOrderId(mode: KernelMode, venueOrderId: string): Promise<Order | undefined>;
  /** Fills of an order, oldest first. */
  loadFills(clientOrderId: string): Promise<Fill[]>;
}

/** A write that would move a finished order to another status (OrderStore.updateOrder). */
export function orderFinal(clientOrderId: string, stored: string, attempted: string): AppError {
  return new AppError("ORDER_FINAL", `order ${clientOrderId} is ${stored}, a final state: not changed to ${attempted}`, 409);
}

export class InMemoryOrderStore implements OrderStore {
  private readonly orders = new Map<string, Order>();
  private readonly fills = new Map<string, Fill[]>();
  private readonly fillKeys = new Set<string>();

  async saveOrder(order: Order): Promise<void> {
    if (this.orders.has(order.clientOrderId)) throw conflict(`order ${order.clientOrderId} already exists`);
    this.orders.set(order.clientOrderId, { ...order });
  }

  async updateOrder(order: Order): Promise<void> {
    const stored = this.orders.get(order.clientOrderId);
    if (!stored) throw notFound(`order ${order.clientOrderId}`);
    if (isTerminal(stored.status) && stored.status !== order.status) throw orderFinal(order.clientOrderId, stored.status, order.status);
    this.orders.set(order.clientOrderId, { ...order });
  }

  async saveFill(fill: Fill): Promise<boolean> {
    if (!this.orders.has(fill.clientOrderId)) throw notFound(`order ${fill.clientOrderId} of fill ${fill.venueTradeId}`);
    const key = `${fill.clientOrderId}\u0000${fill.venueTradeId}`;
    if (this.fillKeys.has(key)) return false;
    this.fillKeys.add(key);
    let list = this.fills.get(fill.clientOrderId);
    if (!list) {
      list = [];
      this.fills.set(fill.clientOrderId, list);
    }
    list.push({ ...fill });
    return true;
  }

  async loadOpenOrders(mode: KernelMode): Promise<Order[]> {
    const open: Order[] = [];
    for (const order of this.orders.values()) {
      if (order.mode === mode && !isTerminal(order.status)) open.push({ ...order });
    }
    return open;
  }

  async loadOrder(clientOrderId: string): Promise<Order | undefined> {
    const order = this.orders.get(clientOrderId);
    return order ? { ...order } : undefined;
  }

  async findByVenueOrderId(mode: KernelMode, venueOrderId: string): Promise<Order | undefined> {
    for (const order of this.orders.values()) if (order.mode === mode && order.venueOrderId === venueOrderId) return { ...order };
    return undefined;
  }

  async loadFills(clientOrderId: string): Promise<Fill[]> {
    return (this.fills.get(clientOrderId) ?? []).map((f) => ({ ...f })).sort((a, b) => a.timestamp - b.timestamp);
  }

  /** Every stored order (tests and diagnostics). */
  allOrders(): Order[] {
    return [...this.orders.values()].map((o) => ({ ...o }));
  }

  /** Every stored fill (tests and diagnostics). */
  allFills(): Fill[] {
    return [...this.fills.values()].flat().map((f) => ({ ...f }));
  }
}
