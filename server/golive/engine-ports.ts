import { AppError } from "../core/errors";
import type { KernelMode } from "../model/types";
import type { ReconciliationPorts } from "./reconciliation";

/**
 * The reconciliation panel's actions on the live account (engine/account.ts implements them): adopt
 * books the unknown quantity as a ledger position with the chosen stop (stored like a fill), close
 * sells it at market through the account's risk engine and gateway, mark closed closes ledger
 * positions (or settles a ledger order the venue no longer has: its answer, else the person's word
 * through the order manager's markClosedByPerson), cancel cancels a venue order.
 * The audit entry is written by applyReconciliationAction once the port returned.
 */
export interface ReconciliationAccount {
  adoptHolding(input: { symbol: string; quantity: number; price: number; stopLoss: number; reason: string }): Promise<{ positionId: string; clientOrderId: string }>;
  closeHolding(input: { symbol: string; quantity: number; reason: string }): Promise<{ orderId: string }>;
  markPositionsClosed(positionIds: readonly string[], reason: string): Promise<{ closed: string[] }>;
  /** The venue's own answer, or (when the venue does not know the order) the person's word: cancelled with the reason, stored first. */
  settleMissingOrder(clientOrderId: string, reason: string): Promise<{ clientOrderId: string; status: string }>;
  cancelVenueOrder(input: { symbol: string; venueOrderId: string }): Promise<{ clientOrderId: string }>;
}

export type ReconciliationEnginePorts = Pick<ReconciliationPorts, "adopt" | "close" | "markClosed" | "cancel">;

export function reconciliationEnginePorts(kernel: { readonly accounts: ReadonlyMap<KernelMode, ReconciliationAccount> }): ReconciliationEnginePorts {
  const live = () => {
    const account = kernel.accounts.get("live");
    if (!account) throw new AppError("LIVE_NOT_CONFIGURED", "reconciliation acts on the live account: configure live mode first", 409);
    return account;
  };
  return {
    adopt: (input) => live().adoptHolding(input),
    close: (input) => live().closeHolding(input),
    markClosed: async ({ positionIds, clientOrderId, reason }) => {
      if (positionIds?.length) {
        await live().markPositionsClosed(positionIds, reason);
        return;
      }
      if (clientOrderId) {
        await live().settleMissingOrder(clientOrderId, reason);
        return;
      }
      throw new AppError("VALIDATION", "mark closed needs the ledger positions or the order it applies to", 400);
    },
    cancel: async ({ symbol, venueOrderId }) => {
      await live().cancelVenueOrder({ symbol, venueOrderId });
    },
  };
}
