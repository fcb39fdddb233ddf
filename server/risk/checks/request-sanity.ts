import type { OrderRequest } from "../../model/types";
import type { RiskCheck } from "../types";
import { allow, deny } from "./verdict";

const SIDES = new Set(["buy", "sell"]);
const TYPES = new Set(["market", "limit", "stop_loss_limit", "take_profit_limit"]);
const INTENTS = new Set(["entry", "exit"]);

const isPositiveFinite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v > 0;
const optionalPositive = (v: unknown): boolean => v === undefined || isPositiveFinite(v);
const PRICE_FIELDS = ["price", "stopPrice", "stopLoss", "takeProfit"] as const;

/**
 * The request itself is well formed: known enums, finite positive numbers, and an intent that
 * matches reduceOnly. Runs first for every order, so no later check ever sees NaN or Infinity.
 */
export const requestSanityCheck: RiskCheck = {
  id: "request-sanity",
  appliesTo: "all",
  description: "Order fields are present, finite and positive; intent matches reduceOnly.",
  evaluate({ request }) {
    const r = request as Partial<OrderRequest> & Record<string, unknown>;
    if (typeof r.clientOrderId !== "string" || r.clientOrderId.length === 0) {
      return deny("INVALID_ORDER", "invalid order: clientOrderId is missing");
    }
    if (typeof r.symbol !== "string" || r.symbol.length === 0) return deny("INVALID_ORDER", "invalid order: symbol is missing");
    if (!SIDES.has(r.side as string)) return deny("INVALID_ORDER", `invalid order: side "${String(r.side)}" is not buy or sell`);
    if (!TYPES.has(r.type as string)) return deny("INVALID_ORDER", `invalid order: type "${String(r.type)}" is unknown`);
    if (!INTENTS.has(r.intent as string)) {
      return deny("INVALID_ORDER", `invalid order: intent "${String(r.intent)}" is not entry or exit`);
    }
    if (typeof r.reduceOnly !== "boolean") return deny("INVALID_ORDER", "invalid order: reduceOnly must be true or false");
    if (!isPositiveFinite(r.quantity)) {
      return deny("INVALID_QUANTITY", `invalid quantity ${String(r.quantity)}: must be a finite number above 0`, {
        quantity: String(r.quantity),
      });
    }
    // The usual case (every optional price absent or valid) without the loop's array and keyed reads.
    if (!(optionalPositive(r.price) && optionalPositive(r.stopPrice) && optionalPositive(r.stopLoss) && optionalPositive(r.takeProfit))) {
      for (const field of PRICE_FIELDS) {
        const v = r[field];
        if (v !== undefined && !isPositiveFinite(v)) {
          return deny(`INVALID_${field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`, `invalid ${field} ${String(v)}: must be a finite number above 0`, {
            [field]: String(v),
          });
        }
      }
    }
    if (r.type !== "market" && r.price === undefined) {
      return deny("MISSING_LIMIT_PRICE", `a ${r.type} order needs a limit price`);
    }
    if (r.intent === "exit" && !r.reduceOnly) {
      return deny("EXIT_NOT_REDUCE_ONLY", "an exit must be reduce-only so it can never open or flip a position");
    }
    if (r.intent === "entry" && r.reduceOnly) {
      return deny("ENTRY_REDUCE_ONLY", "an entry cannot be reduce-only: intent and reduceOnly contradict each other");
    }
    return allow("REQUEST_VALID", "order fields are valid");
  },
};
