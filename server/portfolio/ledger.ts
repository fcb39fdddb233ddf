import { z } from "zod";
import { Decimal } from "../core/decimal";
import { AppError } from "../core/errors";
import { SequentialIds, newId } from "../core/ids";
import type {
  Balance,
  Candle,
  ClosedTrade,
  EquitySnapshot,
  ExitReason,
  Fill,
  Instrument,
  KernelMode,
  OrderRequest,
  Position,
  PositionSide,
} from "../model/types";
import { addMoney, addQty, notional, proRata, roundMoney, subMoney, subQty } from "./booking";
import { positionKey } from "./position-key";
import { advanceTrailing, exitRulesSchema, parseExitRules, protectiveLevels, type ExitRules, type ExitRulesInput } from "./exits";

/**
 * In-memory account ledger of one mode (ghost, paper, live and backtest each own one).
 *
 * Accounting rules (the engine, the backtester and the dashboard rely on them):
 * - Cash is in the quote currency. A buy pays quantity × price plus its fee; a sell receives
 *   quantity × price minus its fee. `fee` is always the commission's quote value and is counted in
 *   fees and in realized P&L, whatever asset paid it.
 * - Commission paid in base (Fill.baseFee > 0; Binance without BNB takes a buy's fee out of the coins
 *   bought): a buy is booked as a buy of the net quantity q − baseFee (what the account really holds)
 *   for a booked notional of q × price − fee, plus the fee: cash falls by q × price exactly (no quote
 *   is paid on top), the position (or the short it covers: the net quantity covers it) moves by
 *   q − baseFee, a long's cost basis grows by q × price − fee (so with fee = baseFee × price the
 *   average entry stays the fill price), and fees and realized P&L count the fee as for a quote fee.
 *   Symmetrically (rare: a sell whose fee the venue took in base), a sell moves the position by
 *   q + baseFee, booked at q × price + fee with the fee: cash rises by q × price exactly. So both
 *   invariants below hold unchanged. A fill is rejected (LEDGER_INVALID_FILL) unless baseFee is
 *   finite, ≥ 0 and < quantity, and (baseFee > 0) fee ≤ q × price. baseFee absent or 0: the fee was
 *   paid in quote (or another asset) and is taken from cash on top.
 * - Positions are keyed by symbol + strategy instance id (unattributed fills share the key with no
 *   instance), so several strategy instances can each hold their own position on one symbol.
 * - Averaging in: the average entry price is the booked cost of the open quantity / that quantity.
 *   Reducing releases the open cost pro rata; realized P&L of the reduction = proceeds − released cost
 *   (long) or released cost − cost to buy back (short).
 * - Crossing zero: a fill larger than the opposite position first closes it (a ClosedTrade is booked
 *   with the fee share of the closing part, split by quantity), then opens a position on the other side
 *   with the rest. Opening or crossing into a short is rejected with LEDGER_SHORT_NOT_ALLOWED unless the
 *   ledger allows shorting; the ledger is then left untouched.
 * - Shorts (spot-like, on borrowed base): the sale proceeds are credited to cash and the borrowed
 *   quantity is a liability marked to market, so equity = cash + Σ long qty × mark − Σ short qty × mark.
 *   In balances() the short's booked proceeds are shown as locked quote (collateral), not free cash.
 * - Dust: what is left of a long that the venue will never accept as a sell (below the lot step, the
 *   minimum quantity or the minimum notional; see dustRemainder) is moved out of the positions by
 *   moveToDust: the position closes, its remaining quantity and remaining cost basis go to one dust
 *   holding per base asset (marked with the symbol of its first move). If the position had exits, a
 *   ClosedTrade of the sold part is booked: quantity = exit quantity, exit price = exit notional / exit
 *   quantity, pnl = the position's realized P&L (gross P&L of what was sold − every fee of the
 *   position), pnlPct = pnl / (entry notional × exit quantity / entry quantity) × 100. With no exits no
 *   trade is booked (its fees stay in realized P&L). Dust is still owned: it counts in equity at its
 *   symbol's mark and in balances(), and its unrealized P&L is quantity × mark − cost basis, so the
 *   equity invariant holds. Dust is never sold nor merged: a later buy of the same symbol opens a fresh
 *   position and the dust stays dust. Shorts are not moved to dust.
 * - Booked amounts (cash, fees, cost basis, realized P&L) are rounded half-even to 8 dp with decimal
 *   arithmetic per fill; quantities are added exactly in decimal (8-dp grid). Marks use plain numbers
 *   and allocate nothing. Invariants: equity = startingCash + realizedPnl + unrealizedPnl, where
 *   realizedPnl is net of every fee paid (open positions' entry fees included) and unrealizedPnl covers
 *   open positions and dust; with no open position cash + Σ dust cost basis = startingCash +
 *   realizedPnl to the last satoshi (cash = startingCash + realizedPnl when there is no dust either).
 * - A position's realizedPnl is net of all its fees over its life (entry fees count as soon as paid).
 * - Duplicate fills are not detected here: the execution layer dedupes on (clientOrderId, venueTradeId).
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
  /** Realized P&L before fees, 8 dp; realizedPnl = grossRealizedPnl − fees. */
  grossRealizedPnl: number;
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
  /** grossPnl − fees (fees of still-open positions included). */
  realizedPnl: number;
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
  peakEquity: number;
  marks: Record<string, number>;
  positions: LedgerPosition[];
  /** Absent in states written before dust existed (read as none). */
  dust: DustHolding[];
  attribution: Attribution;
}

/** Restoring from database rows (positions table) when no serialized state was kept. */
export interface LedgerRestoreInput extends LedgerOptions {
  cash: number;
  positions: Array<Position & Partial<Pick<LedgerPosition, "sessionId" | "atrStop" | "trailingActivationPct" | "trailingDistancePct">>>;
  /** Total fees paid so far (sum of trades' and open positions' fees); default: the open positions' fees. */
  fees?: number;
  peakEquity?: number;
  marks?: Record<string, number>;
  /** Dust holdings (Ledger.dust()) to restore with the positions. */
  dust?: DustHolding[];
}

const KERNEL_MODES = ["ghost", "paper", "live", "backtest"] as const;

class PositionState implements LedgerPosition {
  id: string;
  mode: KernelMode;
  symbol: string;
  side: PositionSide;
  quantity = 0;
  avgEntryPrice = 0;
  realizedPnl = 0;
  fees = 0;
  openedAt: number;
  strategyInstanceId: string | undefined = undefined;
  sessionId: string | undefined = undefined;
  stopLoss: number | undefined = undefined;
  takeProfit: number | undefined = undefined;
  trailingStop: number | undefined = undefined;
  atrStop: number | undefined = undefined;
  trailingActivationPct: number | null = null;
  trailingDistancePct: number | null = null;
  extremePrice: number;
  entryReason = "";
  costBasis = 0;
  entryQuantity = 0;
  entryNotional = 0;
  exitQuantity = 0;
  exitNotional = 0;
  grossRealizedPnl = 0;
  updatedAt: number;
  lastExitReason: ExitReason | undefined = undefined;
  lastExitText: string | undefined = undefined;

  constructor(id: string, mode: KernelMode, symbol: string, side: PositionSide, openedAt: number, price: number) {
    this.id = id;
    this.mode = mode;
    this.symbol = symbol;
    this.side = side;
    this.openedAt = openedAt;
    this.updatedAt = openedAt;
    this.extremePrice = price;
  }
}

class SymbolBook {
  mark = Number.NaN;
  /** Σ long quantity − Σ short quantity of the open positions. */
  netQty = 0;
  readonly positions: PositionState[] = [];
  constructor(
    readonly symbol: string,
    readonly base: string,
  ) {}
}

class DustState {
  quantity = 0;
  costBasis = 0;
  constructor(
    readonly asset: string,
    readonly symbol: string,
    readonly book: SymbolBook,
  ) {}
}

function emptyStats(): AttributionStats {
  return { fills: 0, volume: 0, fees: 0, grossPnl: 0, realizedPnl: 0, trades: 0, wins: 0, losses: 0, breakeven: 0 };
}

function baseAsset(symbol: string): string {
  const slash = symbol.indexOf("/");
  return slash > 0 ? symbol.slice(0, slash) : symbol;
}

const isFiniteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isPositive = (v: unknown): v is number => isFiniteNumber(v) && v > 0;

function validateFill(fill: Fill): void {
  const problems: string[] = [];
  if (fill === null || typeof fill !== "object") throw new LedgerError("LEDGER_INVALID_FILL", "fill rejected: not an object");
  if (typeof fill.symbol !== "string" || fill.symbol.length === 0) problems.push("symbol must be a non-empty string");
  if (fill.side !== "buy" && fill.side !== "sell") problems.push(`side must be "buy" or "sell", got ${String(fill.side)}`);
  if (!isPositive(fill.price)) problems.push(`price must be a finite number > 0, got ${String(fill.price)}`);
  if (!isPositive(fill.quantity)) problems.push(`quantity must be a finite number > 0, got ${String(fill.quantity)}`);
  if (!isFiniteNumber(fill.fee) || fill.fee < 0) problems.push(`fee must be a finite number >= 0, got ${String(fill.fee)}`);
  if (!isFiniteNumber(fill.timestamp)) problems.push(`timestamp must be a finite epoch-ms number, got ${String(fill.timestamp)}`);
  if (problems.length === 0 && !Number.isFinite(fill.price * fill.quantity)) problems.push("price × quantity overflows");
  if (fill.baseFee !== undefined) {
    const baseFee = fill.baseFee;
    if (!isFiniteNumber(baseFee) || baseFee < 0) problems.push(`baseFee must be a finite number >= 0, got ${String(baseFee)}`);
    else if (problems.length === 0 && baseFee > 0) {
      if (!(baseFee < fill.quantity) || subQty(fill.quantity, baseFee) <= 0)
        problems.push(`baseFee must be below the quantity ${fill.quantity}, got ${baseFee}`);
      else if (fill.fee > notional(fill.quantity, fill.price))
        problems.push(`fee ${fill.fee} exceeds the traded notional ${notional(fill.quantity, fill.price)} of a fill whose fee was withheld in base`);
    }
  }
  if (problems.length > 0) {
    const what = typeof fill.symbol === "string" ? `${String(fill.side)} ${fill.symbol}` : "fill";
    throw new LedgerError("LEDGER_INVALID_FILL", `fill rejected (${what}, order ${String(fill.clientOrderId)}): ${problems.join("; ")}`, {
      problems,
    });
  }
}

function validateMeta(meta: FillMeta): ExitRules | null {
  const problems: string[] = [];
  if (meta.strategyInstanceId !== undefined && (typeof meta.strategyInstanceId !== "string" || meta.strategyInstanceId === ""))
    problems.push("strategyInstanceId must be a non-empty string when given");
  for (const field of ["stopLoss", "takeProfit", "atr"] as const) {
    const value = meta[field];
    if (value !== undefined && !isPositive(value)) problems.push(`${field} must be a finite number > 0 when given, got ${String(value)}`);
  }
  let rules: ExitRules | null = null;
  if (meta.exitRules !== undefined) {
    const parsed = exitRulesSchema.safeParse(meta.exitRules);
    if (parsed.success) rules = parsed.data;
    else problems.push(`exitRules: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join(", ")}`);
  }
  if (problems.length > 0) throw new LedgerError("LEDGER_INVALID_FILL", `fill rejected: ${problems.join("; ")}`, { problems });
  return rules;
}

function invalidPrice(symbol: string, price: unknown): LedgerError {
  return new LedgerError("LEDGER_INVALID_PRICE", `mark rejected for ${symbol}: price must be a finite number > 0, got ${String(price)}`);
}

export class Ledger {
  readonly mode: KernelMode;
  readonly quoteCurrency: string;
  readonly allowShort: boolean;
  readonly exitRules: ExitRules;
  readonly startingCash: number;
  private readonly ids: LedgerIdSource;

  private cashBalance: number;
  private feesTotal = 0;
  private grossRealizedTotal = 0;
  /** Σ long cost basis − Σ short cost basis of open positions (booked). */
  private netCostBasis = 0;
  private peak: number;
  private readonly books = new Map<string, SymbolBook>();
  /** Books with at least one open position: equity loops over these only. */
  private readonly activeBooks: SymbolBook[] = [];
  private readonly byKey = new Map<string, PositionState>();
  private readonly bySymbol = new Map<string, AttributionStats>();
  private readonly byStrategy = new Map<string, AttributionStats>();
  /** Dust per base asset, and as a list for the equity loop. */
  private readonly dustByAsset = new Map<string, DustState>();
  private readonly dustList: DustState[] = [];
  /** Σ dust cost basis (booked). */
  private dustCostBasis = 0;

  constructor(options: LedgerOptions) {
    if (!KERNEL_MODES.includes(options.mode)) throw new LedgerError("LEDGER_INVALID_ARGUMENT", `unknown ledger mode ${String(options.mode)}`);
    if (!isFiniteNumber(options.startingCash) || options.startingCash < 0)
      throw new LedgerError("LEDGER_INVALID_ARGUMENT", `startingCash must be a finite number >= 0, got ${String(options.startingCash)}`);
    this.mode = options.mode;
    this.quoteCurrency = options.quoteCurrency ?? "USDT";
    this.allowShort = options.allowShort ?? false;
    try {
      this.exitRules = parseExitRules(options.exitRules ?? {});
    } catch (err) {
      throw new LedgerError("LEDGER_INVALID_ARGUMENT", `invalid exit rules: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.ids = options.ids ?? (options.mode === "backtest" ? sequentialLedgerIds() : uniqueLedgerIds());
    this.startingCash = roundMoney(options.startingCash);
    this.cashBalance = this.startingCash;
    this.peak = this.startingCash;
  }

  // ---------------------------------------------------------------- fills

  /**
   * Book a fill. Validates first and throws LedgerError (leaving the ledger unchanged) on a NaN,
   * infinite, zero or negative price/quantity, a negative fee, an invalid baseFee, or a sell that would
   * open or cross into a short on a ledger that does not allow shorting. A buy with baseFee > 0 books
   * quantity − baseFee (see "Accounting rules").
   */
  applyFill(fill: Fill, meta: FillMeta = {}): FillOutcome {
    validateFill(fill);
    const metaRules = validateMeta(meta);
    const key = positionKey(fill.symbol, meta.strategyInstanceId);
    const existing = this.byKey.get(key);
    const fillSide: PositionSide = fill.side === "buy" ? "long" : "short";
    const baseFee = fill.baseFee !== undefined && fill.baseFee > 0 ? fill.baseFee : 0;
    // The base that really moves: a buy receives q − baseFee, a sell gives q + baseFee.
    const qty = baseFee === 0 ? fill.quantity : fill.side === "buy" ? subQty(fill.quantity, baseFee) : addQty(fill.quantity, baseFee);

    let closeQty = 0;
    let openQty = qty;
    if (existing && existing.side !== fillSide) {
      closeQty = Math.min(qty, existing.quantity);
      openQty = qty > existing.quantity ? subQty(qty, existing.quantity) : 0;
    }
    if (openQty > 0 && fillSide === "short" && !this.allowShort) {
      const owner = meta.strategyInstanceId ? ` for ${meta.strategyInstanceId}` : "";
      throw new LedgerError(
        "LEDGER_SHORT_NOT_ALLOWED",
        existing
          ? `sell of ${qty} ${fill.symbol} rejected: it exceeds the long position${owner} of ${existing.quantity} and would open a short of ${openQty}, but shorting is disabled`
          : `sell of ${qty} ${fill.symbol} rejected: no long position${owner} to sell and shorting is disabled`,
        { symbol: fill.symbol, quantity: qty, positionQuantity: existing?.quantity ?? 0, strategyInstanceId: meta.strategyInstanceId },
      );
    }

    // Every amount is computed before anything is mutated.
    const fee = roundMoney(fill.fee);
    const closeFee = closeQty === 0 ? 0 : openQty === 0 ? fee : proRata(fee, closeQty, qty);
    const openFee = openQty === 0 ? 0 : subMoney(fee, closeFee);
    let closeNotional: number;
    let openNotional: number;
    let tradedNotional: number;
    let cashDelta: number;
    if (baseFee > 0) {
      // Cash moves by q × price; the coins that move are booked at that ∓ the fee's value (the fee coins).
      tradedNotional = notional(fill.quantity, fill.price);
      const booked = fill.side === "buy" ? subMoney(tradedNotional, fee) : addMoney(tradedNotional, fee);
      closeNotional = closeQty === 0 ? 0 : openQty === 0 ? booked : proRata(booked, closeQty, qty);
      openNotional = openQty === 0 ? 0 : subMoney(booked, closeNotional);
      cashDelta = fill.side === "buy" ? -tradedNotional : tradedNotional;
    } else {
      closeNotional = closeQty === 0 ? 0 : notional(closeQty, fill.price);
      openNotional = openQty === 0 ? 0 : notional(openQty, fill.price);
      tradedNotional = addMoney(closeNotional, openNotional);
      cashDelta = fill.side === "buy" ? subMoney(-tradedNotional, fee) : subMoney(tradedNotional, fee);
    }

    const book = this.bookFor(fill.symbol);
    // A fill is a trade at the market: the freshest price the ledger knows until the next mark.
    book.mark = fill.price;
    this.cashBalance = addMoney(this.cashBalance, cashDelta);
    this.feesTotal = addMoney(this.feesTotal, fee);
    const symbolStats = this.statsFor(this.bySymbol, fill.symbol);
    const strategyStats = this.statsFor(this.byStrategy, meta.strategyInstanceId ?? UNATTRIBUTED);
    for (const stats of [symbolStats, strategyStats]) {
      stats.fills += 1;
      stats.volume = addMoney(stats.volume, tradedNotional);
      stats.fees = addMoney(stats.fees, fee);
    }

    let grossPnl = 0;
    let closedTrade: LedgerClosedTrade | null = null;
    let position: PositionState | null = existing ?? null;
    if (closeQty > 0 && existing) {
      grossPnl = this.reduce(existing, book, closeQty, closeNotional, closeFee, fill.timestamp);
      existing.lastExitReason = meta.exitReason ?? "signal";
      existing.lastExitText = meta.reason ?? "";
      if (existing.quantity === 0) {
        closedTrade = this.close(existing, book, key, fill.timestamp, existing.lastExitReason, existing.lastExitText, symbolStats, strategyStats);
        position = null;
      }
    }
    let opened = false;
    if (openQty > 0) {
      if (position) {
        this.add(position, book, openQty, openNotional, openFee, fill, meta);
      } else {
        position = this.open(key, book, fillSide, fill, meta, metaRules ?? this.exitRules);
        this.add(position, book, openQty, openNotional, openFee, fill, meta);
        opened = true;
      }
    }
    for (const stats of [symbolStats, strategyStats]) {
      stats.grossPnl = addMoney(stats.grossPnl, grossPnl);
      stats.realizedPnl = subMoney(stats.grossPnl, stats.fees);
    }
    this.trackPeak();
    return { position: position ? copyPosition(position) : null, closedTrade, opened, grossPnl, fee, cashDelta, quantity: qty };
  }

  private open(key: string, book: SymbolBook, side: PositionSide, fill: Fill, meta: FillMeta, rules: ExitRules): PositionState {
    const pos = new PositionState(this.ids.positionId(), this.mode, fill.symbol, side, fill.timestamp, fill.price);
    pos.strategyInstanceId = meta.strategyInstanceId;
    pos.sessionId = meta.sessionId;
    pos.entryReason = meta.reason ?? "";
    const levels = protectiveLevels(side, fill.price, rules, meta.atr);
    pos.stopLoss = meta.stopLoss ?? levels.stopLoss;
    pos.takeProfit = meta.takeProfit ?? levels.takeProfit;
    pos.atrStop = levels.atrStop;
    pos.trailingActivationPct = rules.trailingDistancePct === null ? null : rules.trailingActivationPct;
    pos.trailingDistancePct = rules.trailingActivationPct === null ? null : rules.trailingDistancePct;
    this.byKey.set(key, pos);
    if (book.positions.length === 0) this.activeBooks.push(book);
    book.positions.push(pos);
    return pos;
  }

  private add(pos: PositionState, book: SymbolBook, qty: number, cost: number, fee: number, fill: Fill, meta: FillMeta): void {
    pos.quantity = addQty(pos.quantity, qty);
    pos.costBasis = addMoney(pos.costBasis, cost);
    pos.avgEntryPrice = pos.costBasis / pos.quantity;
    pos.entryQuantity = addQty(pos.entryQuantity, qty);
    pos.entryNotional = addMoney(pos.entryNotional, cost);
    pos.fees = addMoney(pos.fees, fee);
    pos.realizedPnl = subMoney(pos.grossRealizedPnl, pos.fees);
    pos.updatedAt = fill.timestamp;
    if (pos.side === "long" ? fill.price > pos.extremePrice : fill.price < pos.extremePrice) pos.extremePrice = fill.price;
    if (meta.stopLoss !== undefined) pos.stopLoss = meta.stopLoss;
    if (meta.takeProfit !== undefined) pos.takeProfit = meta.takeProfit;
    if (pos.side === "long") {
      book.netQty = addQty(book.netQty, qty);
      this.netCostBasis = addMoney(this.netCostBasis, cost);
    } else {
      book.netQty = subQty(book.netQty, qty);
      this.netCostBasis = subMoney(this.netCostBasis, cost);
    }
  }

  /** Reduce an open position by qty; returns the realized P&L before fees. */
  private reduce(pos: PositionState, book: SymbolBook, qty: number, exitNotional: number, fee: number, at: number): number {
    const released = qty === pos.quantity ? pos.costBasis : proRata(pos.costBasis, qty, pos.quantity);
    const gross = pos.side === "long" ? subMoney(exitNotional, released) : subMoney(released, exitNotional);
    pos.quantity = subQty(pos.quantity, qty);
    pos.costBasis = subMoney(pos.costBasis, released);
    pos.exitQuantity = addQty(pos.exitQuantity, qty);
    pos.exitNotional = addMoney(pos.exitNotional, exitNotional);
    pos.grossRealizedPnl = addMoney(pos.grossRealizedPnl, gross);
    pos.fees = addMoney(pos.fees, fee);
    pos.realizedPnl = subMoney(pos.grossRealizedPnl, pos.fees);
    pos.updatedAt = at;
    if (pos.side === "long") {
      book.netQty = subQty(book.netQty, qty);
      this.netCostBasis = subMoney(this.netCostBasis, released);
    } else {
      book.netQty = addQty(book.netQty, qty);
      this.netCostBasis = addMoney(this.netCostBasis, released);
    }
    this.grossRealizedTotal = addMoney(this.grossRealizedTotal, gross);
    return gross;
  }

  /**
   * Book the trade of a position and remove it. The trade covers what was sold (bought back): after a
   * full close that is everything entered; after a move to dust, the exits only.
   */
  private close(
    pos: PositionState,
    book: SymbolBook,
    key: string,
    closedAt: number,
    exitReason: ExitReason,
    exitReasonText: string,
    symbolStats: AttributionStats,
    strategyStats: AttributionStats,
  ): LedgerClosedTrade {
    const soldEntryNotional =
      pos.exitQuantity === pos.entryQuantity ? pos.entryNotional : proRata(pos.entryNotional, pos.exitQuantity, pos.entryQuantity);
    const trade: LedgerClosedTrade = {
      id: this.ids.tradeId(),
      positionId: pos.id,
      mode: this.mode,
      symbol: pos.symbol,
      side: pos.side,
      quantity: pos.exitQuantity,
      entryPrice: pos.entryNotional / pos.entryQuantity,
      exitPrice: pos.exitNotional / pos.exitQuantity,
      pnl: pos.realizedPnl,
      pnlPct: soldEntryNotional > 0 ? roundMoney((pos.realizedPnl / soldEntryNotional) * 100) : 0,
      fees: pos.fees,
      openedAt: pos.openedAt,
      closedAt,
      exitReason,
      entryReason: pos.entryReason,
      exitReasonText,
      durationMs: closedAt - pos.openedAt,
    };
    if (pos.strategyInstanceId !== undefined) trade.strategyInstanceId = pos.strategyInstanceId;
    if (pos.sessionId !== undefined) trade.sessionId = pos.sessionId;
    for (const stats of [symbolStats, strategyStats]) {
      stats.trades += 1;
      if (trade.pnl > 0) stats.wins += 1;
      else if (trade.pnl < 0) stats.losses += 1;
      else stats.breakeven += 1;
    }
    this.remove(pos, book, key);
    return trade;
  }

  private remove(pos: PositionState, book: SymbolBook, key: string): void {
    this.byKey.delete(key);
    book.positions.splice(book.positions.indexOf(pos), 1);
    if (book.positions.length === 0) {
      this.activeBooks.splice(this.activeBooks.indexOf(book), 1);
      // Exact zero even if the decimal sums of long and short legs met at a float representation.
      book.netQty = 0;
    }
  }

  // ---------------------------------------------------------------- dust

  /**
   * Close a long whose remainder can never be sold (see dustRemainder) and move its remaining quantity
   * and cost basis to the base asset's dust holding. Books the trade of the sold part if the position
   * had exits (exitReason and text of its latest exit; `reason` is appended to the text), none
   * otherwise. Cash, fees and realized P&L do not change; equity neither. Throws LEDGER_INVALID_ARGUMENT
   * when no open position has this id, when it is a short, or when `at` is not a finite time.
   */
  moveToDust(positionId: string, at: number, reason?: string): MoveToDustResult {
    if (!isFiniteNumber(at)) throw new LedgerError("LEDGER_INVALID_ARGUMENT", `moveToDust: at must be a finite epoch-ms number, got ${String(at)}`);
    let found: [string, PositionState] | undefined;
    for (const entry of this.byKey) {
      if (entry[1].id === positionId) {
        found = entry;
        break;
      }
    }
    if (!found) throw new LedgerError("LEDGER_INVALID_ARGUMENT", `moveToDust: no open position ${String(positionId)}`);
    const [key, pos] = found;
    if (pos.side !== "long") throw new LedgerError("LEDGER_INVALID_ARGUMENT", `moveToDust: position ${positionId} is a short; only a long's remainder becomes dust`);
    const before = copyPosition(pos);
    const book = this.bookFor(pos.symbol);
    const dust = this.dustFor(book);
    dust.quantity = addQty(dust.quantity, pos.quantity);
    dust.costBasis = addMoney(dust.costBasis, pos.costBasis);
    this.dustCostBasis = addMoney(this.dustCostBasis, pos.costBasis);
    book.netQty = subQty(book.netQty, pos.quantity);
    this.netCostBasis = subMoney(this.netCostBasis, pos.costBasis);
    pos.quantity = 0;
    pos.costBasis = 0;
    pos.updatedAt = at;

    let closedTrade: LedgerClosedTrade | null = null;
    if (pos.exitQuantity > 0) {
      const text = [pos.lastExitText, reason].filter((t) => t !== undefined && t !== "").join("; ");
      const symbolStats = this.statsFor(this.bySymbol, pos.symbol);
      const strategyStats = this.statsFor(this.byStrategy, pos.strategyInstanceId ?? UNATTRIBUTED);
      closedTrade = this.close(pos, book, key, at, pos.lastExitReason ?? "signal", text, symbolStats, strategyStats);
    } else {
      this.remove(pos, book, key);
    }
    this.trackPeak();
    return { closedTrade, dust: copyDust(dust), position: before };
  }

  /** Dust holdings per base asset (copies), in the order they first appeared. */
  dust(): DustHolding[] {
    return this.dustList.map(copyDust);
  }

  private dustFor(book: SymbolBook): DustState {
    let dust = this.dustByAsset.get(book.base);
    if (dust === undefined) {
      dust = new DustState(book.base, book.symbol, book);
      this.dustByAsset.set(book.base, dust);
      this.dustList.push(dust);
    }
    return dust;
  }

  private insertDust(d: DustHolding): void {
    if (this.dustByAsset.has(d.asset)) throw new LedgerError("LEDGER_INVALID_STATE", `two dust holdings for ${d.asset}`);
    const book = this.bookFor(d.symbol);
    if (book.base !== d.asset) throw new LedgerError("LEDGER_INVALID_STATE", `dust of ${d.asset} marked with ${d.symbol}, whose base is ${book.base}`);
    if (Number.isNaN(book.mark)) book.mark = d.costBasis > 0 ? d.costBasis / d.quantity : Number.NaN;
    if (Number.isNaN(book.mark)) throw new LedgerError("LEDGER_INVALID_STATE", `dust of ${d.asset} has no mark for ${d.symbol} and no cost basis`);
    const dust = this.dustFor(book);
    dust.quantity = d.quantity;
    dust.costBasis = d.costBasis;
    this.dustCostBasis = addMoney(this.dustCostBasis, d.costBasis);
  }

  // ---------------------------------------------------------------- marks (hot path: no allocation)

  /**
   * Mark a symbol to a price (a tick or a candle close): moves the mark, the best price since entry
   * and trailing stops of the symbol's positions, and the peak equity. Allocation-free once the symbol
   * has been seen. Throws LEDGER_INVALID_PRICE on NaN, Infinity, zero or a negative price.
   */
  mark(symbol: string, price: number): void {
    if (!(price > 0 && price < Infinity)) throw invalidPrice(symbol, price);
    const book = this.bookFor(symbol);
    book.mark = price;
    const positions = book.positions;
    for (let i = 0; i < positions.length; i++) advanceTrailing(positions[i], price, price);
    if (this.activeBooks.length > 0 || this.dustList.length > 0) this.trackPeak();
  }

  /**
   * Mark with a candle: the high/low advance best prices and trailing stops, the close becomes the mark.
   * In a backtest call checkExits on the candle for each open position first (the levels in force at the
   * candle's start), then markCandle.
   */
  markCandle(candle: Pick<Candle, "symbol" | "high" | "low" | "close">): void {
    const { symbol, high, low, close } = candle;
    if (!(close > 0 && close < Infinity)) throw invalidPrice(symbol, close);
    if (!(high >= low && low > 0 && high < Infinity)) throw invalidPrice(symbol, `high ${high} / low ${low}`);
    const book = this.bookFor(symbol);
    book.mark = close;
    const positions = book.positions;
    for (let i = 0; i < positions.length; i++) advanceTrailing(positions[i], high, low);
    if (this.activeBooks.length > 0 || this.dustList.length > 0) this.trackPeak();
  }

  /** Last mark of a symbol: the latest mark or fill price (NaN if never marked nor traded). */
  markPrice(symbol: string): number {
    return this.books.get(symbol)?.mark ?? Number.NaN;
  }

  private trackPeak(): void {
    const equity = this.equity();
    if (equity > this.peak) this.peak = equity;
  }

  // ---------------------------------------------------------------- account views

  get cash(): number {
    return this.cashBalance;
  }

  /** Net realized P&L: realized before fees minus every fee paid (8 dp). */
  get realizedPnl(): number {
    return subMoney(this.grossRealizedTotal, this.feesTotal);
  }

  get fees(): number {
    return this.feesTotal;
  }

  get peakEquity(): number {
    return this.peak;
  }

  /** cash + Σ long qty × mark − Σ short qty × mark + Σ dust qty × mark. */
  equity(): number {
    let value = this.cashBalance;
    const books = this.activeBooks;
    for (let i = 0; i < books.length; i++) value += books[i].netQty * books[i].mark;
    const dust = this.dustList;
    for (let i = 0; i < dust.length; i++) value += dust[i].quantity * dust[i].book.mark;
    return value;
  }

  /** Σ long (qty × mark − cost) + Σ short (proceeds − qty × mark) + Σ dust (qty × mark − cost). */
  unrealizedPnl(): number {
    return this.equity() - this.cashBalance - this.netCostBasis - this.dustCostBasis;
  }

  /** Distance below the peak equity (quote ≥ 0) and as % of the peak. */
  drawdown(): { amount: number; pct: number } {
    const equity = this.equity();
    if (equity > this.peak) this.peak = equity;
    const amount = this.peak - equity;
    return { amount, pct: this.peak > 0 ? (amount / this.peak) * 100 : 0 };
  }

  snapshot(now: number): EquitySnapshot {
    const equity = this.equity();
    if (equity > this.peak) this.peak = equity;
    return {
      timestamp: now,
      equity,
      cash: this.cashBalance,
      realizedPnl: this.realizedPnl,
      unrealizedPnl: equity - this.cashBalance - this.netCostBasis - this.dustCostBasis,
    };
  }

  summary(): LedgerSummary {
    const { amount, pct } = this.drawdown();
    const equity = this.equity();
    return {
      mode: this.mode,
      quoteCurrency: this.quoteCurrency,
      startingCash: this.startingCash,
      cash: this.cashBalance,
      equity,
      realizedPnl: this.realizedPnl,
      unrealizedPnl: equity - this.cashBalance - this.netCostBasis - this.dustCostBasis,
      fees: this.feesTotal,
      peakEquity: this.peak,
      drawdown: amount,
      drawdownPct: pct,
      openPositions: this.byKey.size,
    };
  }

  /**
   * Quote first, then one entry per base asset with open exposure or dust. Quote: free = cash − short
   * proceeds, locked = short proceeds (collateral of the borrowed base). Base: free = net quantity
   * (long − short) + dust; negative means borrowed. Open-order reservations belong to the execution
   * layer, not the ledger.
   */
  balances(): Balance[] {
    let shortCollateral = 0;
    const base = new Map<string, number>();
    for (const book of this.activeBooks) {
      base.set(book.base, addQty(base.get(book.base) ?? 0, book.netQty));
      for (const pos of book.positions) if (pos.side === "short") shortCollateral = addMoney(shortCollateral, pos.costBasis);
    }
    for (const dust of this.dustList) base.set(dust.asset, addQty(base.get(dust.asset) ?? 0, dust.quantity));
    const result: Balance[] = [{ asset: this.quoteCurrency, free: subMoney(this.cashBalance, shortCollateral), locked: shortCollateral }];
    for (const [asset, quantity] of base) result.push({ asset, free: quantity, locked: 0 });
    return result;
  }

  // ---------------------------------------------------------------- positions

  /** Live, read-only positions of a symbol (no copy: for hot loops such as checkExits). Do not mutate. */
  openPositionsOf(symbol: string): readonly LedgerPosition[] {
    return this.books.get(symbol)?.positions ?? NO_POSITIONS;
  }

  /** Live, read-only position of a symbol + strategy instance, if open. Do not mutate. */
  getPosition(symbol: string, strategyInstanceId?: string): LedgerPosition | undefined {
    return this.byKey.get(positionKey(symbol, strategyInstanceId));
  }

  /** Copies of every open position with mark, market value and unrealized P&L. */
  positions(): PositionView[] {
    const views: PositionView[] = [];
    for (const book of this.activeBooks) {
      for (const pos of book.positions) {
        const markPrice = book.mark;
        const value = pos.quantity * markPrice;
        const unrealizedPnl = pos.side === "long" ? value - pos.costBasis : pos.costBasis - value;
        // The copy extended in place (same keys, same order as spreading it into a new object).
        const view = copyPosition(pos) as PositionView;
        view.markPrice = markPrice;
        view.marketValue = pos.side === "long" ? value : -value;
        view.unrealizedPnl = unrealizedPnl;
        view.unrealizedPct = pos.costBasis > 0 ? (unrealizedPnl / pos.costBasis) * 100 : 0;
        views.push(view);
      }
    }
    return views;
  }

  get openPositionCount(): number {
    return this.byKey.size;
  }

  /**
   * Change a position's protective levels (a user moving a stop, a strategy tightening it). A number
   * sets, null clears, an absent field is left as is. Throws if the position is not open or a level is
   * not a finite positive number.
   */
  setProtection(
    symbol: string,
    strategyInstanceId: string | undefined,
    levels: { stopLoss?: number | null; takeProfit?: number | null; atrStop?: number | null; trailingStop?: number | null },
  ): LedgerPosition {
    const pos = this.byKey.get(positionKey(symbol, strategyInstanceId));
    if (!pos)
      throw new LedgerError("LEDGER_INVALID_ARGUMENT", `no open position for ${symbol}${strategyInstanceId ? ` / ${strategyInstanceId}` : ""}`);
    for (const field of ["stopLoss", "takeProfit", "atrStop", "trailingStop"] as const) {
      const value = levels[field];
      if (value !== undefined && value !== null && !isPositive(value))
        throw new LedgerError("LEDGER_INVALID_ARGUMENT", `${field} must be a finite number > 0 or null, got ${String(value)}`);
    }
    for (const field of ["stopLoss", "takeProfit", "atrStop", "trailingStop"] as const) {
      const value = levels[field];
      if (value !== undefined) pos[field] = value ?? undefined;
    }
    return pos;
  }

  // ---------------------------------------------------------------- attribution

  attribution(): Attribution {
    const copy = (map: Map<string, AttributionStats>) => Object.fromEntries([...map].map(([k, v]) => [k, { ...v }]));
    return { bySymbol: copy(this.bySymbol), byStrategy: copy(this.byStrategy) };
  }

  // ---------------------------------------------------------------- persistence

  toJSON(): LedgerState {
    const marks: Record<string, number> = {};
    for (const [symbol, book] of this.books) if (!Number.isNaN(book.mark)) marks[symbol] = book.mark;
    const positions: LedgerPosition[] = [];
    for (const book of this.activeBooks) for (const pos of book.positions) positions.push(copyPosition(pos));
    return {
      version: 1,
      mode: this.mode,
      quoteCurrency: this.quoteCurrency,
      allowShort: this.allowShort,
      exitRules: { ...this.exitRules },
      startingCash: this.startingCash,
      cash: this.cashBalance,
      fees: this.feesTotal,
      grossRealizedPnl: this.grossRealizedTotal,
      peakEquity: this.peak,
      marks,
      positions,
      dust: this.dust(),
      attribution: this.attribution(),
    };
  }

  /** Rebuild a ledger from toJSON() output (validated: a malformed state throws LEDGER_INVALID_STATE). */
  static fromJSON(state: unknown, options: { ids?: LedgerIdSource } = {}): Ledger {
    const parsed = ledgerStateSchema.safeParse(state);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
      throw new LedgerError("LEDGER_INVALID_STATE", `ledger state rejected: ${issues.join("; ")}`, { issues });
    }
    const s = parsed.data;
    const ledger = new Ledger({
      mode: s.mode,
      startingCash: s.startingCash,
      quoteCurrency: s.quoteCurrency,
      allowShort: s.allowShort,
      exitRules: s.exitRules,
      ids: options.ids,
    });
    ledger.cashBalance = s.cash;
    ledger.feesTotal = s.fees;
    ledger.grossRealizedTotal = s.grossRealizedPnl;
    for (const [symbol, mark] of Object.entries(s.marks)) ledger.bookFor(symbol).mark = mark;
    for (const p of s.positions) {
      if (p.side === "short" && !s.allowShort)
        throw new LedgerError("LEDGER_INVALID_STATE", `position ${p.id} is a short but the ledger does not allow shorting`);
      ledger.insertPosition(p);
    }
    for (const d of s.dust) ledger.insertDust(d);
    for (const [k, v] of Object.entries(s.attribution.bySymbol)) ledger.bySymbol.set(k, { ...v });
    for (const [k, v] of Object.entries(s.attribution.byStrategy)) ledger.byStrategy.set(k, { ...v });
    ledger.peak = Math.max(s.peakEquity, ledger.equity());
    return ledger;
  }

  /**
   * Rebuild from database rows (open positions and the stored cash). Lossy compared with fromJSON: the
   * cost basis is re-booked as quantity × average entry, the volume-weighted exit price of a trade then
   * covers only exits after the restore, and attribution counters restart at zero. Net realized P&L is
   * derived so that equity at the entry prices equals the stored cash plus the open cost.
   */
  static restore(input: LedgerRestoreInput): Ledger {
    const ledger = new Ledger(input);
    if (!isFiniteNumber(input.cash)) throw new LedgerError("LEDGER_INVALID_STATE", `cash must be a finite number, got ${String(input.cash)}`);
    ledger.cashBalance = roundMoney(input.cash);
    for (const [symbol, mark] of Object.entries(input.marks ?? {})) {
      if (!isPositive(mark)) throw invalidPrice(symbol, mark);
      ledger.bookFor(symbol).mark = mark;
    }
    let openFees = 0;
    for (const row of input.positions) {
      const parsed = restorePositionSchema.safeParse(row);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
        throw new LedgerError("LEDGER_INVALID_STATE", `position ${String(row?.id)} rejected: ${issues.join("; ")}`, { issues });
      }
      const p = parsed.data;
      if (p.side === "short" && !ledger.allowShort)
        throw new LedgerError("LEDGER_INVALID_STATE", `position ${p.id} is a short but the ledger does not allow shorting`);
      const costBasis = notional(p.quantity, p.avgEntryPrice);
      openFees = addMoney(openFees, p.fees);
      ledger.insertPosition({
        ...p,
        mode: ledger.mode,
        trailingActivationPct: p.trailingActivationPct ?? (ledger.exitRules.trailingDistancePct === null ? null : ledger.exitRules.trailingActivationPct),
        trailingDistancePct: p.trailingDistancePct ?? (ledger.exitRules.trailingActivationPct === null ? null : ledger.exitRules.trailingDistancePct),
        costBasis,
        entryQuantity: p.quantity,
        entryNotional: costBasis,
        exitQuantity: 0,
        exitNotional: 0,
        grossRealizedPnl: addMoney(p.realizedPnl, p.fees),
        updatedAt: p.openedAt,
      });
    }
    for (const d of input.dust ?? []) {
      const parsed = dustSchema.safeParse(d);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
        throw new LedgerError("LEDGER_INVALID_STATE", `dust ${String(d?.asset)} rejected: ${issues.join("; ")}`, { issues });
      }
      ledger.insertDust(parsed.data);
    }
    ledger.feesTotal = input.fees === undefined ? openFees : roundMoney(input.fees);
    // equity at cost = cash + net cost basis + dust cost = startingCash + net realized  ⇒  gross = that − start + fees.
    const netRealized = subMoney(addMoney(addMoney(ledger.cashBalance, ledger.netCostBasis), ledger.dustCostBasis), ledger.startingCash);
    ledger.grossRealizedTotal = addMoney(netRealized, ledger.feesTotal);
    ledger.peak = Math.max(input.peakEquity ?? ledger.startingCash, ledger.equity());
    return ledger;
  }

  private insertPosition(p: LedgerPosition): void {
    const key = positionKey(p.symbol, p.strategyInstanceId);
    if (this.byKey.has(key))
      throw new LedgerError("LEDGER_INVALID_STATE", `two open positions for ${p.symbol}${p.strategyInstanceId ? ` / ${p.strategyInstanceId}` : ""}`);
    const book = this.bookFor(p.symbol);
    const pos = new PositionState(p.id, this.mode, p.symbol, p.side, p.openedAt, p.extremePrice);
    Object.assign(pos, copyPosition(p), { mode: this.mode });
    this.byKey.set(key, pos);
    if (book.positions.length === 0) this.activeBooks.push(book);
    book.positions.push(pos);
    if (Number.isNaN(book.mark)) book.mark = p.avgEntryPrice;
    if (p.side === "long") {
      book.netQty = addQty(book.netQty, p.quantity);
      this.netCostBasis = addMoney(this.netCostBasis, p.costBasis);
    } else {
      book.netQty = subQty(book.netQty, p.quantity);
      this.netCostBasis = subMoney(this.netCostBasis, p.costBasis);
    }
  }

  private bookFor(symbol: string): SymbolBook {
    let book = this.books.get(symbol);
    if (book === undefined) {
      book = new SymbolBook(symbol, baseAsset(symbol));
      this.books.set(symbol, book);
    }
    return book;
  }

  private statsFor(map: Map<string, AttributionStats>, key: string): AttributionStats {
    let stats = map.get(key);
    if (stats === undefined) {
      stats = emptyStats();
      map.set(key, stats);
    }
    return stats;
  }
}

const NO_POSITIONS: readonly LedgerPosition[] = Object.freeze([]);

/** A plain-object copy without undefined fields (JSON- and structuredClone-safe). */
function copyPosition(p: LedgerPosition): LedgerPosition {
  const copy: LedgerPosition = {
    id: p.id,
    mode: p.mode,
    symbol: p.symbol,
    side: p.side,
    quantity: p.quantity,
    avgEntryPrice: p.avgEntryPrice,
    realizedPnl: p.realizedPnl,
    fees: p.fees,
    openedAt: p.openedAt,
    extremePrice: p.extremePrice,
    entryReason: p.entryReason,
    trailingActivationPct: p.trailingActivationPct,
    trailingDistancePct: p.trailingDistancePct,
    costBasis: p.costBasis,
    entryQuantity: p.entryQuantity,
    entryNotional: p.entryNotional,
    exitQuantity: p.exitQuantity,
    exitNotional: p.exitNotional,
    grossRealizedPnl: p.grossRealizedPnl,
    updatedAt: p.updatedAt,
  };
  if (p.strategyInstanceId !== undefined) copy.strategyInstanceId = p.strategyInstanceId;
  if (p.sessionId !== undefined) copy.sessionId = p.sessionId;
  if (p.stopLoss !== undefined) copy.stopLoss = p.stopLoss;
  if (p.takeProfit !== undefined) copy.takeProfit = p.takeProfit;
  if (p.trailingStop !== undefined) copy.trailingStop = p.trailingStop;
  if (p.atrStop !== undefined) copy.atrStop = p.atrStop;
  if (p.lastExitReason !== undefined) copy.lastExitReason = p.lastExitReason;
  if (p.lastExitText !== undefined) copy.lastExitText = p.lastExitText;
  return copy;
}

function copyDust(d: DustHolding): DustHolding {
  return { asset: d.asset, symbol: d.symbol, quantity: d.quantity, costBasis: d.costBasis };
}

/**
 * The part of a long's quantity that the venue will never accept as a sell: everything when the
 * quantity floored to the lot step is below the step, the minimum quantity or (at this price) the
 * minimum notional; otherwise the part below the step (quantity − floored quantity). 0 when all of it
 * can be sold. Decimal arithmetic, so 0.3 on a 0.1 step has no remainder.
 */
export function dustRemainder(quantity: number, price: number, instrument: Pick<Instrument, "stepSize" | "minQty" | "minNotional">): number {
  if (!isPositive(quantity)) return 0;
  const q = new Decimal(quantity);
  const step = instrument.stepSize > 0 ? new Decimal(instrument.stepSize) : null;
  const sellable = step ? q.div(step).floor().mul(step) : q;
  const tooSmall =
    sellable.isZero() ||
    sellable.lt(instrument.minQty > 0 ? instrument.minQty : 0) ||
    (instrument.minNotional > 0 && isPositive(price) && sellable.mul(price).lt(instrument.minNotional));
  return tooSmall ? quantity : q.minus(sellable).toNumber();
}

// ---------------------------------------------------------------- state schemas

// zod 4 numbers reject NaN and ±Infinity by default.
const finite = z.number();
const positive = z.number().positive();
const nonNegative = z.number().min(0);

const restorePositionSchema = z.object({
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

const EXIT_REASONS = ["signal", "stop_loss", "take_profit", "trailing_stop", "atr_stop", "manual", "kill_switch", "session_end", "unlock"] as const satisfies readonly ExitReason[];

const dustSchema = z.object({
  asset: z.string().min(1),
  symbol: z.string().min(1),
  quantity: positive,
  costBasis: nonNegative,
});

const ledgerPositionSchema = restorePositionSchema.extend({
  mode: z.enum(KERNEL_MODES),
  trailingActivationPct: nonNegative.nullable(),
  trailingDistancePct: positive.nullable(),
  costBasis: nonNegative,
  entryQuantity: positive,
  entryNotional: nonNegative,
  exitQuantity: nonNegative,
  exitNotional: nonNegative,
  grossRealizedPnl: finite,
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
  peakEquity: finite,
  marks: z.record(z.string(), positive),
  positions: z.array(ledgerPositionSchema),
  dust: z.array(dustSchema).default([]),
  attribution: z.object({ bySymbol: z.record(z.string(), statsSchema), byStrategy: z.record(z.string(), statsSchema) }),
});
