import { z } from "zod";
import { AppError, notFound } from "../core/errors";
import { floorToStep, roundToTick } from "../core/decimal";
import { lteQty, mulQty } from "../core/quantity";
import { type SubmitResult, type TradingAccount, orderDto } from "../engine";
import type { NewOrder } from "../execution";
import { TERMINAL_ORDER_STATUSES, type Instrument } from "../model/types";
import { modeOr, type UseCaseDeps } from "./context";
import type { OrderPreviewDto } from "../contract";

/** Orders: the list (with fills) and a person's manual order, which goes through risk like any other. */

export const ordersQuery = z.object({
  status: z.enum(["open", "all"]).default("all"),
  mode: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const manualOrderSchema = z
  .object({
    symbol: z.string().min(1),
    side: z.enum(["buy", "sell"]),
    type: z.enum(["market", "limit"]).default("market"),
    quantity: z.number().positive().finite(),
    price: z.number().positive().finite().optional(),
    stopLoss: z.number().positive().finite().optional(),
    takeProfit: z.number().positive().finite().optional(),
  })
  .refine((o) => o.type !== "limit" || o.price !== undefined, { message: "a limit order needs a price", path: ["price"] });

/** A refused order is a 422 naming the risk check; a close that found only dust says so (see account.closePosition). */
export function orderOutcome(result: SubmitResult) {
  if (!result.decision.allowed) {
    throw new AppError("RISK_DENIED", result.decision.message, 422, { code: result.decision.code, data: result.decision.data ?? null });
  }
  return { order: result.order, dust: result.dust ?? null, riskChecks: result.decision.checks.map((c) => ({ check: c.check, code: c.code, message: c.message })) };
}

type ManualOrder = z.infer<typeof manualOrderSchema>;

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_ORDER_STATUSES);

export function orderUseCases({ engine, repos, audit }: UseCaseDeps) {
  const requireSymbol = (symbol: string) => {
    if (!engine.instruments.has(symbol)) throw new AppError("UNKNOWN_SYMBOL", `unknown symbol ${symbol}`, 400);
  };
  return {
    async list(q: z.infer<typeof ordersQuery>) {
      return (await repos.orders.list(modeOr(engine, q.mode), q.status, q.limit)).map(orderDto);
    },

    async place(input: ManualOrder, actor: string) {
      requireSymbol(input.symbol);
      return orderOutcome(await engine.kernel.placeManualOrder({ ...input, actor }));
    },

    /**
     * POST /api/orders/preview: the risk decision and sizing POST /api/orders would get now, with nothing
     * sent, stored or counted (docs/api.md issue 21, orders.preview). A refusal is an answer, not an error.
     */
    preview(input: ManualOrder, actor: string) {
      requireSymbol(input.symbol);
      const account = engine.kernel.activeAccount;
      const { request } = engine.kernel.manualOrder({ ...input, actor });
      if (!(request.quantity > 0)) {
        throw new AppError("VALIDATION", `quantity: ${input.quantity} is below the lot step of ${input.symbol}`, 400, [{ path: "quantity", message: "below the lot step" }]);
      }
      const decision = account.previewOrder(request);
      const price = request.type === "limit" ? request.price : (account.lastPrices.get(input.symbol) ?? engine.market.lastTicker(input.symbol)?.last);
      return {
        allowed: decision.allowed,
        code: decision.allowed ? null : decision.code,
        message: decision.message,
        checks: decision.checks.map((c) => ({ check: c.check, code: c.code, message: c.message, allowed: c.allowed })),
        order: {
          symbol: request.symbol,
          side: request.side,
          type: request.type as OrderPreviewDto["order"]["type"],
          quantity: request.quantity,
          price: price ?? null,
          notional: price !== undefined ? mulQty(request.quantity, price) : null,
        },
      } satisfies OrderPreviewDto;
    },

    /**
     * POST /api/orders/{clientOrderId}/cancel (orders.cancel): one working order cancelled at the venue
     * through its account's order gateway, audited with the actor. 404 unknown, 409 ORDER_NOT_OPEN.
     */
    async cancel(clientOrderId: string, actor: string) {
      for (const account of engine.kernel.accounts.values()) {
        const open = account.openOrders().find((o) => o.clientOrderId === clientOrderId);
        if (!open) continue;
        const order = await account.cancelOrder(clientOrderId);
        await audit?.({ actor, action: "order.cancel", data: { clientOrderId, mode: account.mode, symbol: order.symbol, status: order.status } });
        if (order.status !== "cancelled" && TERMINAL.has(order.status)) throw notOpen(clientOrderId, order.status);
        return { order };
      }
      const stored = await repos.orders.get(clientOrderId);
      if (!stored) throw notFound(`order ${clientOrderId}`);
      throw notOpen(clientOrderId, stored.status);
    },
  };
}

function notOpen(clientOrderId: string, status: string): AppError {
  const why = TERMINAL.has(status) ? `it is ${status}` : `no account of this process is working it (status ${status})`;
  return new AppError("ORDER_NOT_OPEN", `order ${clientOrderId} is not open: ${why}`, 409, { status });
}
