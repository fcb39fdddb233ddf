import { Decimal } from "../core/decimal";
import type { Balance, Candle, EquitySnapshot, ExitReason, Fill, Instrument, KernelMode, PositionSide } from "../model/types";
import { addMoney, addQty, notional, proRata, roundMoney, subMoney, subQty } from "./booking";
import { advanceTrailing, parseExitRules, protectiveLevels, type ExitRules } from "./exits";
import { DustState, NO_POSITIONS, PositionState, SymbolBook, baseAsset, copyDust, copyPosition, emptyStats } from "./ledger-book";
import { KERNEL_MODES, parseLedgerState } from "./ledger-state";
import {
  LedgerError,
  UNATTRIBUTED,
  sequentialLedgerIds,
  uniqueLedgerIds,
  type Attribution,
  type AttributionStats,
  type DustHolding,
  type FillMeta,
  type FillOutcome,
  type FundingOutcome,
  type FundingPayment,
  type LedgerClosedTrade,
  type LedgerIdSource,
  type LedgerOptions,
  type LedgerPosition,
  type LedgerState,
  type LedgerSummary,
  type MoveToDustResult,
  type PositionView,
} from "./ledger-types";
import { invalidPrice, isFiniteNumber, isPositive, validateFill, validateMeta } from "./ledger-validation";
import { positionKey } from "./position-key";

export {
  LedgerError,
  UNATTRIBUTED,
  fillMetaFromOrder,
  isStoredFunding,
  sequentialLedgerIds,
  uniqueLedgerIds,
  type Attribution,
  type AttributionStats,
  type DustHolding,
  type DustMove,
  type DustMoveStore,
  type AfterFillRecord,
  type FundingStore,
  type StoredFunding,
  type FillMeta,
  type FillOutcome,
  type FundingOutcome,
  type FundingPayment,
  type LedgerClosedTrade,
  type LedgerErrorCode,
  type LedgerIdSource,
  type LedgerOptions,
  type LedgerPosition,
  type LedgerState,
  type LedgerSummary,
  type MoveToDustResult,
  type PositionView,
} from "./ledger-types";

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
 * - Funding (perpetuals, applyFunding): a payment is a cash flow booked against one open position.
 *   Cash moves by its amount; the position's fundingPaid grows by what it paid (falls by what it
 *   received) and its realizedPnl = grossRealizedPnl − fees − fundingPaid, so the trade it closes into
 *   carries the funding in pnl (and fundingPaid); the ledger's realizedPnl and the attribution's count
 *   it the same way, so both invariants above hold with funding. A ledger that never booked funding
 *   shows no fundingPaid field anywhere (spot output is unchanged).
 * - Duplicate fills are not detected here: the execution layer dedupes on (clientOrderId, venueTradeId).
 *
 * This file is the ledger itself (booking, dust, marks, views, toJSON/fromJSON); beside it: its public
 * types, error and id sources (ledger-types.ts), the internal position and symbol books
 * (ledger-book.ts), input checks (ledger-validation.ts) and the schema of the serialized state
 * (ledger-state.ts).
 */

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
  /** Net funding paid by every position; undefined until the first payment. */
  private fundingTotal: number | undefined = undefined;
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
      stats.realizedPnl = netStats(stats);
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
    pos.realizedPnl = netRealized(pos);
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
    pos.realizedPnl = netRealized(pos);
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
    if (pos.fundingPaid !== undefined) trade.fundingPaid = pos.fundingPaid;
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

  // ---------------------------------------------------------------- funding

  /**
   * Book a funding payment of a perpetual against the open position of its symbol + strategy instance
   * (see "Accounting rules"). cashFlow is the venue's signed amount (negative = paid), rounded
   * half-even to 8 dp. Throws LEDGER_INVALID_ARGUMENT (the ledger unchanged) when no such position is
   * open, or when cashFlow or timestamp is not a finite number.
   */
  applyFunding(payment: FundingPayment): FundingOutcome {
    if (payment === null || typeof payment !== "object") throw new LedgerError("LEDGER_INVALID_ARGUMENT", "applyFunding: not a funding payment");
    if (!isFiniteNumber(payment.cashFlow))
      throw new LedgerError("LEDGER_INVALID_ARGUMENT", `applyFunding: cashFlow must be a finite number, got ${String(payment.cashFlow)}`);
    if (!isFiniteNumber(payment.timestamp))
      throw new LedgerError("LEDGER_INVALID_ARGUMENT", `applyFunding: timestamp must be a finite epoch-ms number, got ${String(payment.timestamp)}`);
    const key = positionKey(payment.symbol, payment.strategyInstanceId);
    const pos = this.byKey.get(key);
    if (!pos) {
      const owner = payment.strategyInstanceId ? ` for ${payment.strategyInstanceId}` : "";
      throw new LedgerError("LEDGER_INVALID_ARGUMENT", `applyFunding: no open position in ${String(payment.symbol)}${owner} to book funding against`, {
        symbol: payment.symbol,
        strategyInstanceId: payment.strategyInstanceId,
      });
    }
    const cashFlow = roundMoney(payment.cashFlow) + 0;
    this.cashBalance = addMoney(this.cashBalance, cashFlow);
    this.fundingTotal = subMoney(this.fundingTotal ?? 0, cashFlow);
    pos.fundingPaid = subMoney(pos.fundingPaid ?? 0, cashFlow);
    pos.realizedPnl = netRealized(pos);
    pos.updatedAt = payment.timestamp;
    for (const stats of [this.statsFor(this.bySymbol, pos.symbol), this.statsFor(this.byStrategy, pos.strategyInstanceId ?? UNATTRIBUTED)]) {
      stats.fundingPaid = subMoney(stats.fundingPaid ?? 0, cashFlow);
      stats.realizedPnl = netStats(stats);
    }
    this.trackPeak();
    return { position: copyPosition(pos), cashDelta: cashFlow, fundingPaid: pos.fundingPaid };
  }

  /** Net funding paid by every position over the ledger's life (0 when none was booked). */
  get fundingPaid(): number {
    return this.fundingTotal ?? 0;
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

  /** Net realized P&L: realized before fees minus every fee and every funding paid (8 dp). */
  get realizedPnl(): number {
    const net = subMoney(this.grossRealizedTotal, this.feesTotal);
    return this.fundingTotal === undefined ? net : subMoney(net, this.fundingTotal);
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
    const summary: LedgerSummary = {
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
    if (this.fundingTotal !== undefined) summary.fundingPaid = this.fundingTotal;
    return summary;
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
    const state: LedgerState = {
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
    if (this.fundingTotal !== undefined) state.fundingPaid = this.fundingTotal;
    return state;
  }

  /** Rebuild a ledger from toJSON() output (validated: a malformed state throws LEDGER_INVALID_STATE). */
  static fromJSON(state: unknown, options: { ids?: LedgerIdSource } = {}): Ledger {
    const s = parseLedgerState(state);
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
    if (s.fundingPaid !== undefined) ledger.fundingTotal = s.fundingPaid;
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

/** A position's net realized P&L: gross − fees − funding paid (8 dp). */
function netRealized(pos: PositionState): number {
  const net = subMoney(pos.grossRealizedPnl, pos.fees);
  return pos.fundingPaid === undefined ? net : subMoney(net, pos.fundingPaid);
}

/** Attribution's net realized P&L: gross − fees − funding paid (8 dp). */
function netStats(stats: AttributionStats): number {
  const net = subMoney(stats.grossPnl, stats.fees);
  return stats.fundingPaid === undefined ? net : subMoney(net, stats.fundingPaid);
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
