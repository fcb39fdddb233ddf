import { positionDto } from "../engine/dto";
import { modeOr, type UseCaseDeps } from "./context";
import { orderOutcome } from "./orders";

/** Open positions (live state from the ledger) and closing one at market. */
export function positionUseCases({ engine }: UseCaseDeps) {
  return {
    list(mode?: string) {
      const account = engine.kernel.accounts.get(modeOr(engine, mode));
      if (!account) return [];
      return account.ledger.positions().map((p) => positionDto({ ...p, status: "open" }, engine));
    },

    async close(positionId: string, actor: string) {
      return orderOutcome(await engine.kernel.closePosition(positionId, actor));
    },
  };
}
