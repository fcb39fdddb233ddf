import { AppError } from "../core/errors";
import { SequentialIds, newId } from "../core/ids";
import type { ClosedTrade, ExitReason, KernelMode, OrderRequest, Position } from "../model/types";
import type { ExitRules, ExitRulesInput } from "./exits";

/**
 * The ledger's public types (see ledger.ts for the accounting rules): its positions, trades, dust,
 * fill metadata and outcomes, attribution, options, summary and serialized state; its error; and its
 * id sources.
 */

export type LedgerErrorCode =
  | "LEDGER_INVALID_FILL"
  | "LEDGER_SHORT_NOT_ALLOWED"
  | "LEDGER_INVALID_PRICE"
  | "LEDGER_INVALID_ARGUMENT"
  | "LEDGER_INVALID_STATE";

export class LedgerError extends AppError {
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
    details?: unknown,
  ) {
    super(code, message, 400, details);
    this.name = "LedgerError";
  }
}

/** Strategy attribution key of fills that carry no strategy instance id (manual trades). */
export const UNATTRIBUTED = "unattributed";

/** A ledger position: the shared Position plus what the ledger needs to book and protect it. */
export interface LedgerPosition extends Position {
  sessionId?: string;
  atrStop?: number;
  /** Trailing stop parameters of this position (null = no trailing stop). */
  trailingActivationPct: number | null;
  trailingDistancePct: number | null;
  /** Booked cost (long) or proceeds (short) of the open quantity, quote, 8 dp. */
  costBasis: number;
  /** Totals over the position's life, for the volume-weighted entry and exit prices of its trade. */
  entryQuantity: number;
  entryNotional: number;
  exitQuantity: number;
  exitNotional: number;
  /** Realized P&L before fees, 8 dp; realizedPnl = grossRealizedPnl − fees − fundingPaid. */
  grossRealizedPnl: number;
  /**
   * Perpetuals: net funding the position paid over its life (quote, 8 dp; negative when it received
   * more than it paid). Absent until a funding payment is booked (see Ledger.applyFunding).
   */
  fundingPaid?: number;
  updatedAt: number;
  /** Why and with which text the latest reducing fill exited (the trade of a move to dust takes them). */
  lastExitReason?: ExitReason;
  lastExitText?: string;
}

/** What is left of long positions that can never be sold, per base asset (see moveToDust). */
export interface DustHolding {
  /** Base asset, e.g. "BTC". */
  asset: string;
  /** The symbol whose mark values it (the symbol of the first position moved to this dust). */
  symbol: string;
  /** Base quantity, exact on the 8-dp grid. */
  quantity: number;
  /** Cost basis moved over with the quantity (quote, 8 dp); unrealized P&L = quantity × mark − costBasis. */
  costBasis: number;
}

export interface MoveToDustResult {
  /** The trade of the sold part, when the position had exits; null otherwise. */
  closedTrade: LedgerClosedTrade | null;
  /** The asset's dust holding after the move (a copy). */
  dust: DustHolding;
  /** The position as it was just before the move (a copy). */
  position: LedgerPosition;
}

/**
 * A durable record that a position was moved to dust (fills.dustMoves, written by
 * PrismaOrderStore.recordDust before the move is acknowledged). Replay applies it right after the fill
 * it is stored with, by positionId (replayed ids are deterministic) or else by symbol + strategy.
 */
export interface DustMove {
  positionId: string;
  symbol: string;
  strategyInstanceId?: string;
  /** When the position was moved (epoch ms): the closedAt of its trade. */
  at: number;
  reason?: string;
}

/**
 * A funding payment as stored (issue 15): in the same ordered list as the dust moves of the fill it
 * follows (fills.dustMoves, `kind: "funding"`), so a replay books it between the same fills as it was
 * booked live, and a ledger snapshot counts it like any other record after its last fill.
 */
export interface StoredFunding extends FundingPayment {
  kind: "funding";
}

/** What is stored after a fill, in order: dust moves and funding payments. */
export type AfterFillRecord = DustMove | StoredFunding;

export function isStoredFunding(record: AfterFillRecord): record is StoredFunding {
  return (record as StoredFunding).kind === "funding";
}

/** Persistence port for funding payments (implemented by PrismaOrderStore): stored with the mode's latest fill. */
export interface FundingStore {
  recordFunding(mode: KernelMode, payment: FundingPayment): Promise<void>;
}

/** Persistence port for dust moves (implemented by PrismaOrderStore). */
export interface DustMoveStore {
  /**
   * Store a dust move of a mode. With afterFill, it is stored with that fill (the fill that left the
   * remainder); without, with the mode's latest stored fill. Resolves once durable.
   */
  recordDust(mode: KernelMode, move: DustMove, afterFill?: { clientOrderId: string; venueTradeId: string }): Promise<void>;
}

/**
 * A closed round trip: the shared ClosedTrade plus the session and its duration. quantity is the total
 * quantity entered over the position's life; entryPrice and exitPrice are volume-weighted over all its
 * entry and exit fills; pnl is net of every entry and exit fee; pnlPct = pnl / entry notional × 100
 * (percent); exitReason and exitReasonText come from the fill that brought the position to zero.
 */
export interface LedgerClosedTrade extends ClosedTrade {
  sessionId?: string;
  durationMs: number;
  /** Perpetuals: net funding paid over the trade's life (already in pnl); absent when none was booked. */
  fundingPaid?: number;
}

/** A funding payment of a perpetual position, as the venue books it (Binance's FUNDING_FEE income). */
export interface FundingPayment {
  symbol: string;
  /** The position's strategy instance (positions are keyed by symbol + instance). */
  strategyInstanceId?: string;
  /**
   * Cash flow into the account, quote (rounded half-even to 8 dp): negative when the position pays
   * (a long with a positive rate), positive when it receives. server/futures fundingCashFlow computes it.
   */
  cashFlow: number;
  /** When it was booked (epoch ms). */
  timestamp: number;
  /** The funding rate and mark it was computed from, for the record (not used by the booking). */
  fundingRate?: number;
  markPrice?: number;
}

export interface FundingOutcome {
  /** The position after the payment (a copy). */
  position: LedgerPosition;
  /** Change of cash (quote, 8 dp) = the payment's cash flow. */
  cashDelta: number;
  /** The position's net funding paid after this payment. */
  fundingPaid: number;
}

/** A position with its mark, for views (dashboard, API). */
export interface PositionView extends LedgerPosition {
  markPrice: number;
  /** qty × mark for a long, −qty × mark for a short (the liability). */
  marketValue: number;
  unrealizedPnl: number;
  /** unrealizedPnl / costBasis × 100. */
  unrealizedPct: number;
}

export interface FillMeta {
  strategyInstanceId?: string;
  sessionId?: string;
  /** The order's reason sentence: the entry reason of a position the fill opens, the exit text of one it closes. */
  reason?: string;
  /** Why a closing fill exits (default "signal"). */
  exitReason?: ExitReason;
  /** Protective levels stated by the order; they override levels derived from the exit rules. */
  stopLoss?: number;
  takeProfit?: number;
  /** ATR at entry (price units), for an ATR stop. */
  atr?: number;
  /** Exit rules of a position this fill opens (default: the ledger's). */
  exitRules?: ExitRulesInput;
}

/** The FillMeta of an order's fill. */
export function fillMetaFromOrder(
  order: Pick<OrderRequest, "strategyInstanceId" | "sessionId" | "reason" | "exitReason" | "stopLoss" | "takeProfit">,
): FillMeta {
  const meta: FillMeta = { reason: order.reason };
  if (order.strategyInstanceId !== undefined) meta.strategyInstanceId = order.strategyInstanceId;
  if (order.sessionId !== undefined) meta.sessionId = order.sessionId;
  if (order.exitReason !== undefined) meta.exitReason = order.exitReason;
  if (order.stopLoss !== undefined) meta.stopLoss = order.stopLoss;
  if (order.takeProfit !== undefined) meta.takeProfit = order.takeProfit;
  return meta;
}

export interface FillOutcome {
  /** The position of the fill's symbol + strategy after the fill (a copy), null when flat. */
  position: LedgerPosition | null;
  /** The round trip this fill completed, if it closed a position. */
  closedTrade: LedgerClosedTrade | null;
  /** True when the fill opened a new position (from flat, or by crossing zero). */
  opened: boolean;
  /** Realized P&L before fees booked by this fill. */
  grossPnl: number;
  /** Fee booked (quote, 8 dp). */
  fee: number;
  /** Change of cash (quote, 8 dp). */
  cashDelta: number;
  /** Base quantity booked: fill quantity − baseFee for a buy, + baseFee for a sell (the fill quantity without baseFee). */
  quantity: number;
}

export interface AttributionStats {
  fills: number;
  /** Quote notional traded. */
  volume: number;
  fees: number;
  grossPnl: number;
  /** grossPnl − fees − fundingPaid (fees of still-open positions included). */
  realizedPnl: number;
  /** Perpetuals: net funding paid (absent until a funding payment is booked). */
  fundingPaid?: number;
  /** Closed round trips; a win has pnl > 0, a loss pnl < 0, breakeven neither. */
  trades: number;
  wins: number;
  losses: number;
  breakeven: number;
}

export interface Attribution {
  bySymbol: Record<string, AttributionStats>;
  /** Keyed by strategy instance id; fills without one under UNATTRIBUTED. */
  byStrategy: Record<string, AttributionStats>;
}

export interface LedgerIdSource {
  positionId(): string;
  tradeId(): string;
}

/** Deterministic ids (backtests): same run, same ids. */
export function sequentialLedgerIds(prefix = "bt-"): LedgerIdSource {
  const positions = new SequentialIds(`${prefix}pos-`);
  const trades = new SequentialIds(`${prefix}trd-`);
  return { positionId: () => positions.next(), tradeId: () => trades.next() };
}

/** Unique ids across restarts (ghost, paper, live). */
export function uniqueLedgerIds(): LedgerIdSource {
  return { positionId: () => newId("pos_"), tradeId: () => newId("trd_") };
}

export interface LedgerOptions {
  mode: KernelMode;
  startingCash: number;
  /** Default "USDT". */
  quoteCurrency?: string;
  /** Default false (spot). */
  allowShort?: boolean;
  /** Default exit rules of new positions (default DEFAULT_EXIT_RULES). */
  exitRules?: ExitRulesInput;
  /** Default: sequential ids in backtest mode, unique ids otherwise. */
  ids?: LedgerIdSource;
}

export interface LedgerSummary {
  mode: KernelMode;
  quoteCurrency: string;
  startingCash: number;
  cash: number;
  equity: number;
  realizedPnl: number;
  unrealizedPnl: number;
  fees: number;
  /** Perpetuals: net funding paid by every position (absent until a funding payment is booked). */
  fundingPaid?: number;
  peakEquity: number;
  drawdown: number;
  drawdownPct: number;
  openPositions: number;
}

/** The serialized ledger (toJSON / Ledger.fromJSON). */
export interface LedgerState {
  version: 1;
  mode: KernelMode;
  quoteCurrency: string;
  allowShort: boolean;
  exitRules: ExitRules;
  startingCash: number;
  cash: number;
  fees: number;
  grossRealizedPnl: number;
  /** Net funding paid (perpetuals); absent in states without any funding. */
  fundingPaid?: number;
  peakEquity: number;
  marks: Record<string, number>;
  positions: LedgerPosition[];
  /** Absent in states written before dust existed (read as none). */
  dust: DustHolding[];
  attribution: Attribution;
}

