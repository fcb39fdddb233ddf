import { z } from "zod";
import type { ExitReason } from "../model/types";
import { exitRulesSchema } from "./exits";
import { LedgerError, type LedgerState } from "./ledger-types";

/**
 * The serialized ledger (Ledger.toJSON / Ledger.fromJSON, the ledger snapshots of a restart): its
 * schema, and the check that turns untrusted input into a LedgerState.
 */

export const KERNEL_MODES = ["ghost", "paper", "live", "backtest"] as const;

// zod 4 numbers reject NaN and ±Infinity by default.
const finite = z.number();
const positive = z.number().positive();
const nonNegative = z.number().min(0);

/** The fields of a position as the shared Position type and the positions table hold them. */
const positionFieldsSchema = z.object({
  id: z.string().min(1),
  symbol: z.string().min(1),
  side: z.enum(["long", "short"]),
  quantity: positive,
  avgEntryPrice: positive,
  realizedPnl: finite,
  fees: nonNegative,
  openedAt: finite,
  strategyInstanceId: z.string().min(1).optional(),
  sessionId: z.string().min(1).optional(),
  stopLoss: positive.optional(),
  takeProfit: positive.optional(),
  trailingStop: positive.optional(),
  atrStop: positive.optional(),
  extremePrice: positive,
  entryReason: z.string(),
  trailingActivationPct: nonNegative.nullable().optional(),
  trailingDistancePct: positive.nullable().optional(),
});

const EXIT_REASONS = ["signal", "stop_loss", "take_profit", "trailing_stop", "atr_stop", "manual", "kill_switch", "session_end", "unlock", "liquidation_guard", "liquidation"] as const satisfies readonly ExitReason[];

const dustSchema = z.object({
  asset: z.string().min(1),
  symbol: z.string().min(1),
  quantity: positive,
  costBasis: nonNegative,
});

const ledgerPositionSchema = positionFieldsSchema.extend({
  mode: z.enum(KERNEL_MODES),
  trailingActivationPct: nonNegative.nullable(),
  trailingDistancePct: positive.nullable(),
  costBasis: nonNegative,
  entryQuantity: positive,
  entryNotional: nonNegative,
  exitQuantity: nonNegative,
  exitNotional: nonNegative,
  grossRealizedPnl: finite,
  fundingPaid: finite.optional(),
  updatedAt: finite,
  lastExitReason: z.enum(EXIT_REASONS).optional(),
  lastExitText: z.string().optional(),
});

const statsSchema = z.object({
  fills: z.number().int().min(0),
  volume: nonNegative,
  fees: nonNegative,
  grossPnl: finite,
  realizedPnl: finite,
  fundingPaid: finite.optional(),
  trades: z.number().int().min(0),
  wins: z.number().int().min(0),
  losses: z.number().int().min(0),
  breakeven: z.number().int().min(0),
});

const ledgerStateSchema = z.object({
  version: z.literal(1),
  mode: z.enum(KERNEL_MODES),
  quoteCurrency: z.string().min(1),
  allowShort: z.boolean(),
  exitRules: exitRulesSchema,
  startingCash: nonNegative,
  cash: finite,
  fees: nonNegative,
  grossRealizedPnl: finite,
  fundingPaid: finite.optional(),
  peakEquity: finite,
  marks: z.record(z.string(), positive),
  positions: z.array(ledgerPositionSchema),
  dust: z.array(dustSchema).default([]),
  attribution: z.object({ bySymbol: z.record(z.string(), statsSchema), byStrategy: z.record(z.string(), statsSchema) }),
});

/** A LedgerState from untrusted input (a stored snapshot); a malformed state throws LEDGER_INVALID_STATE naming the fields. */
export function parseLedgerState(state: unknown): LedgerState {
  const parsed = ledgerStateSchema.safeParse(state);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new LedgerError("LEDGER_INVALID_STATE", `ledger state rejected: ${issues.join("; ")}`, { issues });
  }
  return parsed.data;
}
