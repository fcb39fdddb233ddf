import { ApiError, errorMessage } from "../lib/api";
import { formatQty } from "../lib/format";
import type { ClosePositionResultDto } from "../lib/types";

/** What the trader is told after pressing Close: a toast level and its sentence. */
export interface CloseOutcome {
  level: "success" | "info" | "error";
  text: string;
  /** The order's status, when the server answered with an order. */
  status?: string;
}

/**
 * The toast for the answer of `POST /api/positions/{id}/close`. The order can come back rejected by the
 * venue (its reason in `order.error`), filled, or still working (submitted, partially filled).
 */
export function closeResultOutcome(symbol: string, result: ClosePositionResultDto | null | undefined): CloseOutcome {
  const order = result?.order;
  if (!order || typeof order !== "object") return { level: "success", text: `Close order sent for ${symbol}` };
  const reason = order.error || order.reason || null;
  const filled = typeof order.filledQuantity === "number" && order.filledQuantity > 0 ? order.filledQuantity : null;
  switch (order.status) {
    case "rejected":
      return { level: "error", status: order.status, text: `Close rejected: ${reason ?? "the venue gave no reason"}` };
    case "filled":
      return { level: "success", status: order.status, text: `Closed ${formatQty(filled ?? order.quantity)} ${symbol}` };
    case "partially_filled":
      return {
        level: "success",
        status: order.status,
        text: `Close order sent for ${symbol}: ${formatQty(filled ?? 0)} of ${formatQty(order.quantity)} filled so far`,
      };
    case "cancelled":
    case "expired":
      return { level: "error", status: order.status, text: `Close order ${order.status} for ${symbol}${reason ? `: ${reason}` : ""}` };
    default:
      // new, submitted, or a status this UI does not know yet: the order is working.
      return { level: "success", status: order.status, text: `Close order sent for ${symbol}` };
  }
}

/** The toast when the close request itself failed: a risk denial (422) carries the risk engine's sentence. */
export function closeErrorOutcome(err: unknown): CloseOutcome {
  if (err instanceof ApiError && err.status >= 400 && err.status < 500) return { level: "error", text: `Close refused: ${err.message}` };
  return { level: "error", text: `Close failed: ${errorMessage(err)}` };
}
