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
  const newVenueOrderId = Boolean(update.venueOrderId) && update.venueOrderId !== order.venueOrderId;
  const moreFilled = update.filledQuantity > order.filledQuantity;
  const higherFee = !moreFilled && update.filledQuantity === order.filledQuantity && update.fee > order.fee;
  const requantified = update.quantity > 0 && update.quantity !== order.quantity && !isTerminal(order.status);
  // The same state again (a push that repeats the answer to submit): nothing to copy.
  if (sameStatus && !newVenueOrderId && !moreFilled && !higherFee && !requantified) return UNCHANGED;
  const next: Order = { ...order };
  next.status = update.status;
  if (newVenueOrderId) next.venueOrderId = update.venueOrderId;
  if (moreFilled) {
    next.filledQuantity = update.filledQuantity;
    next.avgFillPrice = update.avgFillPrice;
    next.fee = Math.max(order.fee, update.fee);
  } else if (higherFee) {
    next.fee = update.fee;
  }
  // The venue rounded the quantity to its step: its number is the one that fills.
  if (requantified) next.quantity = update.quantity;
  if (update.reason && (update.status === "rejected" || update.status === "expired" || update.status === "cancelled") && !sameStatus) {
    next.error = update.errorCode ? `${update.errorCode}: ${update.reason}` : update.reason;
  }
  next.updatedAt = Math.max(order.updatedAt, now);
  return { kind: "changed", order: next };
}

const UNCHANGED: UpdateOutcome = Object.freeze({ kind: "unchanged" });
