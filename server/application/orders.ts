import { z } from "zod";
import { AppError } from "../core/errors";
import type { SubmitResult } from "../engine/account";
import { modeOr, type UseCaseDeps } from "./context";

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

export function orderUseCases({ engine, repos }: UseCaseDeps) {
  return {
    list(q: z.infer<typeof ordersQuery>) {
      return repos.orders.list(modeOr(engine, q.mode), q.status, q.limit);
    },

    async place(input: z.infer<typeof manualOrderSchema>, actor: string) {
      if (!engine.instruments.has(input.symbol)) throw new AppError("UNKNOWN_SYMBOL", `unknown symbol ${input.symbol}`, 400);
      return orderOutcome(await engine.kernel.placeManualOrder({ ...input, actor }));
    },
  };
}
