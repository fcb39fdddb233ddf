import { z } from "zod";
import { AppError } from "../core/errors";
import { gtQty } from "../core/quantity";
import { positionDto } from "../engine";
import { modeOr, type UseCaseDeps } from "./context";
import { orderOutcome } from "./orders";

/** Open positions (live state from the ledger) and closing one at market, all of it or a part. */

/** POST /api/positions/{id}/close body: without `quantity` the whole position (docs/api.md issue 21, positions.partialClose). */
export const closePositionSchema = z.object({ quantity: z.number().finite().optional() }).strict();

const quantityError = (message: string) => new AppError("VALIDATION", `quantity: ${message}`, 400, [{ path: "quantity", message }]);

export function positionUseCases({ engine }: UseCaseDeps) {
  return {
    list(mode?: string) {
      const account = engine.kernel.accounts.get(modeOr(engine, mode));
      if (!account) return [];
      return account.ledger.positions().map((p) => positionDto({ ...p, status: "open" }, engine));
    },

    async close(positionId: string, actor: string, input: z.infer<typeof closePositionSchema> = {}) {
      if (input.quantity === undefined) return orderOutcome(await engine.kernel.closePosition(positionId, actor));
      for (const account of engine.kernel.accounts.values()) {
        const position = account.ledger.positions().find((p) => p.id === positionId);
        if (!position) continue;
        const quantity = input.quantity;
        if (!(quantity > 0)) throw quantityError(`must be greater than 0 (got ${quantity})`);
        if (gtQty(quantity, position.quantity)) throw quantityError(`${quantity} is more than the position's ${position.quantity} ${position.symbol}`);
        return orderOutcome(
          await account.closePosition(position, { exitReason: "manual", reason: `Closed ${quantity} of ${position.quantity} by ${actor} from the dashboard`, quantity }),
        );
      }
      throw new AppError("NOT_FOUND", `no open position ${positionId}`, 404);
    },
  };
}
