import { TERMINAL_ORDER_STATUSES, type Order, type OrderStatus } from "../model/types";
import type { VenueOrderUpdate } from "./types";

/**
 * Order lifecycle: new -> submitted -> partially_filled -> filled / cancelled / rejected / expired.
 * "new" may jump to any later state (a market order can come back filled from its first answer).
 * A resting order can still be rejected: an engine-held stop is rejected when its triggered limit
 * is refused. Terminal states never change again.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  new: ["submitted", "partially_filled", "filled", "cancelled", "rejected", "expired"],
  submitted: ["partially_filled", "filled", "cancelled", "rejected", "expired"],
  partially_filled: ["partially_filled", "filled", "cancelled", "expired"],
  filled: [],
  cancelled: [],
  rejected: [],
  expired: [],
};

const TERMINAL: ReadonlySet<OrderStatus> = new Set(TERMINAL_ORDER_STATUSES);

export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL.has(status);
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

export type UpdateOutcome =
  | { kind: "changed"; order: Order }
  | { kind: "unchanged" }
  | { kind: "refused"; reason: string };

/**
 * The order after a venue update, without mutating the input. Cumulative fill figures only grow
 * (a stale update never shrinks them); an illegal status change is refused with a reason.
 */
export function applyVenueUpdate(order: Order, update: VenueOrderUpdate, now: number): UpdateOutcome {
  if (update.clientOrderId !== order.clientOrderId) {
    return { kind: "refused", reason: `update for ${update.clientOrderId} applied to order ${order.clientOrderId}` };
  }
  const sameStatus = update.status === order.status;
  if (!sameStatus && !canTransition(order.status, update.status)) {
    return { kind: "refused", reason: `illegal transition ${order.status} -> ${update.status} for ${order.clientOrderId}` };
  }
  const next: Order = { ...order };
  let changed = !sameStatus;
  next.status = update.status;
  if (update.venueOrderId && update.venueOrderId !== order.venueOrderId) {
    next.venueOrderId = update.venueOrderId;
    changed = true;
  }
  if (update.filledQuantity > order.filledQuantity) {
    next.filledQuantity = update.filledQuantity;
    next.avgFillPrice = update.avgFillPrice;
    next.fee = Math.max(order.fee, update.fee);
    changed = true;
  } else if (update.filledQuantity === order.filledQuantity && update.fee > order.fee) {
    next.fee = update.fee;
    changed = true;
  }
  if (update.quantity > 0 && update.quantity !== order.quantity && !isTerminal(order.status)) {
    // The venue rounded the quantity to its step: its number is the one that fills.
    next.quantity = update.quantity;
    changed = true;
  }
  if (update.reason && (update.status === "rejected" || update.status === "expired" || update.status === "cancelled") && !sameStatus) {
    next.error = update.errorCode ? `${update.errorCode}: ${update.reason}` : update.reason;
  }
  if (!changed) return { kind: "unchanged" };
  next.updatedAt = Math.max(order.updatedAt, now);
  return { kind: "changed", order: next };
}
