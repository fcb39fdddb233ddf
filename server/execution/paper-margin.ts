import { Decimal } from "../core/decimal";
import { addQty, cmpQty, gtQty, minQty, subQty, toQty } from "../core/quantity";
import { bracketFor, initialMargin, positionNotional, type MarginBracket } from "../futures";
import type { OrderRequest, Side } from "../model/types";
import type { VenueErrorCode } from "./errors";
import type { BalanceLock, PaperBalanceBook } from "./paper-balances";
import type { FeeSchedule } from "./types";
import { splitSymbol } from "./validate";

/**
 * The paper venue's margin book for USDⓈ-M perpetuals (paper-venue.ts composes it), the checks
 * Binance runs on a perp order in one-way mode, with the leverage and brackets the account set for
 * the contract (engine/futures-account.ts AccountFutures.contracts):
 * - reduce-only: refused with -2022 "ReduceOnly Order is rejected." when there is no position, the
 *   order is on the position's side or larger than it (it would flip it); it needs no margin. When
 *   it fills, it fills no more than what is left of the position (none left: it expires);
 * - an order that opens or increases exposure (the part beyond an opposite position): the notional of
 *   the position it leaves must stay within the bracket the contract's leverage allows
 *   (brackets.ts, -2027 "Exceeded the maximum allowable position at current leverage."), and its cost
 *   = initial margin (margin.ts initialMargin: quantity × price / leverage) + open loss (a buy above
 *   the mark, a sell below it: quantity × the difference) + the commission must fit the available
 *   balance, else -2019 "Margin is insufficient.";
 * - available balance (cross): free quote + Σ perp position × mark − Σ initial margin of the
 *   positions at mark. The balance book books a perp like a spot pair (quote moves by the notional, a
 *   short is a negative holding, the same as the ledger), so free quote + position × mark is the wallet
 *   plus unrealised P&L, minus what orders have locked. The mark is the last price.
 * - a resting perp limit that may open exposure locks its cost in the quote asset (Binance's
 *   open-order margin); a market order is checked at the price it executes at.
 * Positions are per symbol (signed base quantity). Starting balances of a contract's base asset (a
 * restart: the ledger's holdings) are its opening position when no other contract shares that base.
 */
export interface PaperPerpContract {
  readonly symbol: string;
  /** The leverage the contract is set to (risk.maxLeverage in the app). */
  readonly leverage: number;
  /** Maintenance margin brackets (the leverage cap per notional tier). */
  readonly brackets: readonly MarginBracket[];
}

/** A refusal in Binance's words, with the execution layer's code. */
export interface MarginRefusal {
  reason: string;
  code: VenueErrorCode;
}

export const MARGIN_INSUFFICIENT = "Margin is insufficient. (-2019)";
export const REDUCE_ONLY_REJECTED = "ReduceOnly Order is rejected. (-2022)";
export const LEVERAGE_CAP_EXCEEDED = "Exceeded the maximum allowable position at current leverage. (-2027)";

const sign = (side: Side): 1 | -1 => (side === "buy" ? 1 : -1);
const money = (d: Decimal): number => d.toDecimalPlaces(8, Decimal.ROUND_UP).toNumber();

export class PaperMarginBook {
  private readonly contracts = new Map<string, PaperPerpContract>();
  private readonly positions = new Map<string, number>();

  constructor(
    contracts: Iterable<PaperPerpContract>,
    private readonly balances: PaperBalanceBook,
    private readonly fees: FeeSchedule,
    /** The mark of a symbol (the venue's last price; NaN when unknown). */
    private readonly markOf: (symbol: string) => number,
  ) {
    for (const c of contracts) {
      if (!(c.leverage >= 1 && Number.isFinite(c.leverage))) throw new RangeError(`paper venue perp contract ${c.symbol}: leverage must be a number >= 1 (got ${c.leverage})`);
      this.contracts.set(c.symbol, c);
    }
    const byBase = new Map<string, string[]>();
    for (const symbol of this.contracts.keys()) {
      const [base] = splitSymbol(symbol);
      byBase.set(base, [...(byBase.get(base) ?? []), symbol]);
    }
    const held = new Map(balances.list().map((b) => [b.asset, addQty(b.free, b.locked)]));
    for (const [base, symbols] of byBase) {
      const quantity = held.get(base) ?? 0;
      if (symbols.length === 1 && quantity !== 0) this.positions.set(symbols[0], quantity);
    }
  }

  get size(): number {
    return this.contracts.size;
  }

  isPerp(symbol: string): boolean {
    return this.contracts.has(symbol);
  }

  /** Signed position (base): > 0 long, < 0 short. */
  position(symbol: string): number {
    return this.positions.get(symbol) ?? 0;
  }

  /** A reduce-only order against the position now: refused when it would open or flip. */
  reduceOnlyRefusal(request: Pick<OrderRequest, "symbol" | "side">, quantity: number): MarginRefusal | undefined {
    const pos = this.position(request.symbol);
    const s = sign(request.side);
    let why: string | undefined;
    if (pos === 0) why = `there is no ${request.symbol} position to reduce`;
    else if (Math.sign(pos) === s) why = `a ${request.side} would increase the ${request.symbol} ${pos > 0 ? "long" : "short"} of ${Math.abs(pos)}`;
    else if (gtQty(quantity, Math.abs(pos))) why = `a ${request.side} of ${quantity} would flip the ${request.symbol} ${pos > 0 ? "long" : "short"} of ${Math.abs(pos)}`;
    return why ? { reason: `${REDUCE_ONLY_REJECTED}: ${why}`, code: "INVALID_ORDER" } : undefined;
  }

  /** What a reduce-only order may still fill: at most what is left of the position on the other side. */
  reducible(request: Pick<OrderRequest, "symbol" | "side">, quantity: number): number {
    const pos = this.position(request.symbol);
    if (pos === 0 || Math.sign(pos) === sign(request.side)) return 0;
    return minQty(quantity, Math.abs(pos));
  }

  /**
   * The cost of an order that may open exposure (initial margin + open loss + commission of the
   * opening part, quote, rounded up to 8 dp) and the refusal when it exceeds the available balance or
   * the leverage cap of its bracket; cost 0 when the order only reduces.
   */
  openingCheck(request: Pick<OrderRequest, "symbol" | "side">, quantity: number, price: number, feeRate: number): { cost: number; refusal?: MarginRefusal } {
    const c = this.contracts.get(request.symbol)!;
    const [, quote] = splitSymbol(request.symbol);
    const pos = this.position(request.symbol);
    const s = sign(request.side);
    const opening = pos === 0 || Math.sign(pos) === s ? quantity : cmpQty(quantity, Math.abs(pos)) > 0 ? subQty(quantity, Math.abs(pos)) : 0;
    if (opening === 0) return { cost: 0 };
    const markNow = this.markOf(request.symbol);
    const mark = Number.isFinite(markNow) && markNow > 0 ? markNow : price;
    const after = Math.abs(addQty(pos, s * quantity));
    const notionalAfter = positionNotional(after, Math.max(price, mark));
    const tier = bracketFor(c.brackets, notionalAfter);
    if (tier.maxLeverage < c.leverage) {
      return {
        cost: 0,
        refusal: {
          reason: `${LEVERAGE_CAP_EXCEEDED}: a ${request.symbol} position of ${notionalAfter} ${quote} is in bracket ${tier.bracket}, which allows ${tier.maxLeverage}×; the contract is at ${c.leverage}×`,
          code: "REJECTED",
        },
      };
    }
    const im = initialMargin(opening, price, c.leverage);
    const openLoss = Decimal.max(0, new Decimal(price).minus(mark).mul(s)).mul(opening);
    const fee = new Decimal(opening).mul(price).mul(feeRate);
    const cost = money(new Decimal(im).plus(openLoss).plus(fee));
    const available = this.available(quote);
    if (available === undefined) {
      return { cost, refusal: { reason: `no mark price yet for an open ${quote}-margined position: the available margin is unknown`, code: "NO_MARKET_PRICE" } };
    }
    if (cost > available) {
      const text =
        `${MARGIN_INSUFFICIENT}: ${request.symbol} ${request.side} ${opening} at ${price} needs ${cost} ${quote} ` +
        `(initial margin ${im} at ${c.leverage}×, open loss ${money(openLoss)}, fee ${money(fee)}), ${available} ${quote} available`;
      return { cost, refusal: { reason: text, code: "INSUFFICIENT_FUNDS" } };
    }
    return { cost };
  }

  /**
   * Available balance of the quote (cross): free quote + Σ position × mark − Σ initial margin at mark,
   * over the perps settled in it; undefined when a position has no mark yet.
   */
  available(quote: string): number | undefined {
    let sum = new Decimal(this.balances.balance(quote).free);
    for (const [symbol, pos] of this.positions) {
      if (pos === 0 || splitSymbol(symbol)[1] !== quote) continue;
      const mark = this.markOf(symbol);
      if (!(Number.isFinite(mark) && mark > 0)) return undefined;
      const c = this.contracts.get(symbol)!;
      sum = sum.plus(new Decimal(pos).mul(mark)).minus(initialMargin(pos, mark, c.leverage));
    }
    return sum.toDecimalPlaces(8, Decimal.ROUND_DOWN).toNumber();
  }

  /**
   * Check and lock the cost of a resting order at its limit price (Binance's open-order margin);
   * reduce-only orders lock nothing. Returns the refusal, or undefined.
   */
  reserve(lock: BalanceLock, request: Pick<OrderRequest, "symbol" | "side" | "price" | "reduceOnly">, quantity: number, feeRate: number): MarginRefusal | undefined {
    if (request.reduceOnly) return this.reduceOnlyRefusal(request, quantity);
    const { cost, refusal } = this.openingCheck(request, quantity, request.price!, feeRate);
    if (refusal) return refusal;
    if (cost > 0) this.balances.lock(lock, splitSymbol(request.symbol)[1], cost);
    return undefined;
  }

  /** The commission rate a resting order's lock assumes: the larger of maker and taker. */
  get lockFeeRate(): number {
    return Math.max(this.fees.maker, this.fees.taker);
  }

  get takerFeeRate(): number {
    return this.fees.taker;
  }

  /** A fill moves the position. */
  onFill(symbol: string, side: Side, quantity: number): void {
    const next = toQty(addQty(this.position(symbol), sign(side) * quantity));
    if (next === 0) this.positions.delete(symbol);
    else this.positions.set(symbol, next);
  }
}
