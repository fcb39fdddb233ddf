/**
 * Kill-switch phases as the dashboard shows them. The contract names halting → cancelling → closing →
 * confirming → done | failed; the engine reports idle | running | completed | incomplete at the top and the
 * detailed step per account (halting, cancelling_orders, closing_positions, confirming). Both are understood.
 */

export type Stage = "idle" | "running" | "done" | "failed";

export const STEPS = ["Halting", "Cancelling orders", "Closing positions", "Confirming with venue", "Done"] as const;

const STEP_OF: Record<string, number> = {
  halting: 0,
  cancelling: 1,
  cancelling_orders: 1,
  closing: 2,
  closing_positions: 2,
  confirming: 3,
  done: 4,
  completed: 4,
};

export function stageOf(phase: string | null | undefined): Stage {
  switch (phase) {
    case undefined:
    case null:
    case "":
    case "idle":
      return "idle";
    case "done":
    case "completed":
      return "done";
    case "failed":
    case "incomplete":
      return "failed";
    default:
      // running, halting, cancelling…, closing…, confirming, or a step this UI does not know yet
      return "running";
  }
}

/**
 * Index into STEPS for the progress bar: the top-level phase when it names a step, else the most advanced
 * step any account reports (the top level only says "running" then).
 */
export function stepIndex(phase: string | null | undefined, accountPhases: readonly (string | null | undefined)[] = []): number {
  const own = phase ? STEP_OF[phase] : undefined;
  if (own !== undefined) return own;
  const fromAccounts = accountPhases.map((p) => (p ? STEP_OF[p] : undefined)).filter((i): i is number => i !== undefined);
  if (fromAccounts.length > 0) return Math.max(...fromAccounts);
  return stageOf(phase) === "done" ? 4 : 0;
}

/** "closing_positions" → "closing positions". */
export function phaseLabel(phase: string | null | undefined): string {
  if (!phase) return "—";
  if (phase === "done" || phase === "completed") return "completed";
  return phase.replace(/_/g, " ");
}

/**
 * Why a remaining order or position is still there (the server's `reason`, now carrying the venue's own
 * words, e.g. "close failed: INSUFFICIENT_FUNDS: …"), or null.
 */
export function itemReason(item: unknown): string | null {
  if (!item || typeof item !== "object") return null;
  const o = item as Record<string, unknown>;
  const texts = [o.reason, o.error, o.message].filter((v): v is string => typeof v === "string" && v.trim().length > 0);
  const unique = [...new Set(texts)];
  return unique.length > 0 ? unique.join("; ") : null;
}

/** A readable line for an order, position or error the kill switch reports, whatever its exact shape. */
export function describeItem(item: unknown, { withReason = true }: { withReason?: boolean } = {}): string {
  if (item === null || item === undefined) return "—";
  if (typeof item === "string" || typeof item === "number") return String(item);
  if (typeof item === "object") {
    const o = item as Record<string, unknown>;
    const fields = [o.mode, o.step, o.symbol, o.side, o.quantity, o.clientOrderId ?? o.id];
    if (withReason) fields.push(o.message ?? o.error, o.reason);
    const parts = fields.filter((v) => typeof v === "string" || typeof v === "number").map(String);
    if (parts.length > 0) return parts.join(" · ");
    return withReason || itemReason(item) === null ? JSON.stringify(item) : "";
  }
  return String(item);
}
