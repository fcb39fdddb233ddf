import { z } from "zod";
import { modeSchema, orderSideSchema } from "./common";

/**
 * Going live: `GET /api/go-live` (checklist and ramp), `POST /api/go-live/acknowledge`,
 * `GET /api/go-live/benchmark`, `GET /api/drift`, `GET /api/reconciliation` and
 * `POST /api/reconciliation/actions` (server/golive).
 */

export const goLiveItemSchema = z.object({
  id: z.enum(["backtest", "paper_trades", "paper_run", "paper_pnl", "ghost_signals", "ghost_accuracy", "testnet_trades", "testnet_win_rate", "testnet_profit_factor", "risk_acknowledged"]),
  stage: z.enum(["backtest", "paper", "ghost", "testnet", "risk"]),
  label: z.string(),
  passed: z.boolean(),
  /** The figure from history, e.g. "3 of 5 trades". */
  figure: z.string(),
  value: z.number().nullable(),
  required: z.number().nullable(),
});
export type GoLiveItemDto = z.infer<typeof goLiveItemSchema>;

/** The live position ramp (Phase 5): where it stands and its cap now (null = full size). */
export const liveRampSchema = z.object({
  stage: z.enum(["first", "second", "full"]),
  winningTrades: z.number(),
  reason: z.string(),
  since: z.number().nullable(),
  capQuote: z.number().nullable(),
});
export type LiveRampDto = z.infer<typeof liveRampSchema>;

/** The live rulebook in force (quote-currency rules of live mode; the config's risk.live). */
export const liveRulesSchema = z.object({
  maxPositionQuote: z.number(),
  minPositionQuote: z.number(),
  maxTradeLossQuote: z.number(),
  dailyLossQuote: z.number(),
  weeklyLossQuote: z.number(),
  maxOpenPositions: z.number(),
  minEntryIntervalSec: z.number(),
  symbolWhitelist: z.array(z.string()),
  blackoutHoursUtc: z.array(z.number()),
  ramp: z.object({ firstCapQuote: z.number(), tradesToSecondStage: z.number(), secondCapQuote: z.number() }),
});
export type LiveRulesDto = z.infer<typeof liveRulesSchema>;

/** `GET /api/go-live`. */
export const goLiveSchema = z.object({
  ready: z.boolean(),
  items: z.array(goLiveItemSchema),
  failing: z.array(goLiveItemSchema),
  ramp: liveRampSchema,
  limits: z.object({ live: liveRulesSchema }),
});
export type GoLiveDto = z.infer<typeof goLiveSchema>;

/** `POST /api/go-live/acknowledge`: the stored acknowledgement (fingerprint of the limits acknowledged). */
export const goLiveAcknowledgementSchema = z.object({ at: z.number(), by: z.string(), fingerprint: z.string() });
export type GoLiveAcknowledgementDto = z.infer<typeof goLiveAcknowledgementSchema>;

/** `GET /api/go-live/benchmark?mode=`: buy-and-hold of the same symbols over the mode's period, beside its return. */
export const benchmarkSchema = z.object({
  /** The engine's mode ("backtest" only inside a backtest's own engine). */
  mode: z.union([modeSchema, z.literal("backtest")]),
  from: z.number().nullable(),
  to: z.number().nullable(),
  strategyReturnPct: z.number().nullable(),
  benchmark: z
    .object({
      returnPct: z.number(),
      perSymbol: z.array(z.object({ symbol: z.string(), first: z.number(), last: z.number(), returnPct: z.number() })),
    })
    .nullable(),
});
export type BenchmarkDto = z.infer<typeof benchmarkSchema>;

// ---------------------------------------------------------------- drift

export const driftModeSchema = z.enum(["backtest", "paper", "live"]);
export type DriftMode = z.infer<typeof driftModeSchema>;

export const driftLegSchema = z.object({
  filled: z.boolean(),
  status: z.string(),
  fillPrice: z.number().nullable(),
  /** Positive = worse for the trader. */
  slippageBps: z.number().nullable(),
  fee: z.number(),
  delayMs: z.number().nullable(),
  pnl: z.number().nullable(),
});

export const driftRowSchema = z.object({
  signalId: z.string(),
  symbol: z.string(),
  side: orderSideSchema,
  signalPrice: z.number(),
  at: z.number(),
  legs: z.partialRecord(driftModeSchema, driftLegSchema),
  /** Filled in one mode only: "paper" = filled on paper, not live. */
  filledOnlyIn: driftModeSchema.nullable(),
  /** live P&L − paper P&L of this trade (null unless both closed). */
  pnlGap: z.number().nullable(),
  cumulativeGap: z.number(),
});
export type DriftRow = z.infer<typeof driftRowSchema>;

const driftModeSummarySchema = z.object({
  orders: z.number(),
  filled: z.number(),
  fees: z.number(),
  pnl: z.number(),
  slippageBps: z.object({ mean: z.number().nullable(), p50: z.number().nullable(), p90: z.number().nullable(), max: z.number().nullable() }),
  delayMs: z.object({ mean: z.number().nullable(), p50: z.number().nullable(), p90: z.number().nullable() }),
});

/** `GET /api/drift?from=&to=`: backtest, paper and live side by side for the same signals. */
export const driftReportSchema = z.object({
  from: z.number(),
  to: z.number(),
  rows: z.array(driftRowSchema),
  byMode: z.partialRecord(driftModeSchema, driftModeSummarySchema),
  filledOnlyIn: z.partialRecord(driftModeSchema, z.number()),
  cumulativeGap: z.number(),
  /** Slippage histogram live and paper, buckets of 5 bps. */
  slippageHistogram: z.array(z.object({ bucketBps: z.number(), paper: z.number(), live: z.number() })),
});
export type DriftReport = z.infer<typeof driftReportSchema>;

// ---------------------------------------------------------------- reconciliation panel

export const reconciliationStatusSchema = z.enum(["matched", "unknown", "missing", "ignored"]);
export type ReconciliationStatus = z.infer<typeof reconciliationStatusSchema>;

export const reconciliationActionSchema = z.enum(["adopt", "close", "ignore", "mark_closed", "cancel"]);
export type ReconciliationAction = z.infer<typeof reconciliationActionSchema>;

export const reconciliationRowSchema = z.object({
  /** "asset:BTC" or "order:<id>" */
  key: z.string(),
  kind: z.enum(["asset", "order"]),
  asset: z.string().optional(),
  symbol: z.string().optional(),
  venue: z.number(),
  ledger: z.number(),
  /** venue − ledger */
  difference: z.number(),
  /** What an action moves. */
  quantity: z.number(),
  status: reconciliationStatusSchema,
  actions: z.array(reconciliationActionSchema),
  message: z.string(),
  /** Ledger positions of the asset (mark_closed applies to them). */
  positionIds: z.array(z.string()).optional(),
  order: z
    .object({
      id: z.string(),
      clientOrderId: z.string().optional(),
      venueOrderId: z.string().optional(),
      symbol: z.string(),
      side: orderSideSchema,
      quantity: z.number(),
      price: z.number().optional(),
    })
    .optional(),
});
export type ReconciliationRow = z.infer<typeof reconciliationRowSchema>;

/** `GET /api/reconciliation`: what the live venue holds against the live ledger, per asset and open order. */
export const reconciliationPanelSchema = z.object({
  at: z.number(),
  ok: z.boolean(),
  rows: z.array(reconciliationRowSchema),
  counts: z.record(reconciliationStatusSchema, z.number()),
});
export type ReconciliationPanel = z.infer<typeof reconciliationPanelSchema>;

/** `POST /api/reconciliation/actions` body. */
export const reconciliationActionInputSchema = z.object({
  key: z.string(),
  action: reconciliationActionSchema,
  stopLoss: z.number().optional(),
  reason: z.string().optional(),
});
export type ReconciliationActionInput = z.infer<typeof reconciliationActionInputSchema>;

/** `POST /api/reconciliation/actions`: the row acted on and what the action produced (adopted position, closing order...). */
export const reconciliationActionResultSchema = z.looseObject({ key: z.string(), action: reconciliationActionSchema });
