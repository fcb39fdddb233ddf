import { Decimal } from "../core/decimal";
import { addQty, gteQty, ltQty, maxQty, minQty, proRataQty, subQty, toQty } from "../core/quantity";
import type { Balance, OrderRequest } from "../model/types";
import type { FillCharge, PaperFeeModel } from "./paper-fees";

/**
 * The paper venue's balance book (paper-venue.ts composes it): free and locked amounts per asset, the
 * funds a resting order locks, and what a fill moves. Quantities and balances are exact
 * (server/core/quantity.ts): every free/locked amount is an 8-decimal value added and compared
 * exactly, and the last fill of an order releases exactly what remains locked.
 */
export interface AssetBalance {
  free: number;
  locked: number;
}

/** What an order has locked (kept on the order). */
export interface BalanceLock {
  lockAsset: string;
  lockAmount: number;
}

/** The two assets of a symbol. */
export interface AssetPair {
  base: string;
  quote: string;
}

export interface PaperBalanceBookOptions {
  /** Starting free balances per asset, e.g. { USDT: 10000 }. */
  balances?: Record<string, number>;
  /** Reject orders the balances cannot pay for (and lock funds of resting orders). */
  enforce: boolean;
  /** Allow selling more than is held (a simulated short). */
  allowShorting: boolean;
  fees: PaperFeeModel;
}

export class PaperBalanceBook {
  readonly enforced: boolean;
  private readonly allowShorting: boolean;
  private readonly fees: PaperFeeModel;
  private readonly balances = new Map<string, AssetBalance>();

  constructor(options: PaperBalanceBookOptions) {
    this.enforced = options.enforce;
    this.allowShorting = options.allowShorting;
    this.fees = options.fees;
    for (const [asset, amount] of Object.entries(options.balances ?? {})) {
      if (!Number.isFinite(amount)) throw new RangeError(`paper venue balance of ${asset} must be a number (got ${amount})`);
      this.balances.set(asset, { free: toQty(amount), locked: 0 });
    }
  }

  /** The balance of an asset (created at zero on first use). */
  balance(asset: string): AssetBalance {
    let b = this.balances.get(asset);
    if (!b) {
      b = { free: 0, locked: 0 };
      this.balances.set(asset, b);
    }
    return b;
  }

  list(): Balance[] {
    const list: Balance[] = [];
    for (const [asset, b] of this.balances) list.push({ asset, free: b.free, locked: b.locked });
    return list;
  }

  /** Lock what a resting order may spend; returns the shortfall in words, or undefined. */
  reserve(lock: BalanceLock, request: Pick<OrderRequest, "side" | "type" | "price">, pair: AssetPair, quantity: number): string | undefined {
    if (!this.enforced) return undefined;
    let asset: string;
    let amount: number;
    if (request.side === "sell") {
      if (this.allowShorting) return undefined;
      asset = pair.base;
      amount = quantity;
    } else {
      if (request.type === "market") return undefined; // checked against the actual cost when it executes
      asset = pair.quote;
      // The notional at the limit, plus the larger fee rate when the fee is paid in the quote asset.
      const rate = this.fees.lockRate;
      amount = toQty(new Decimal(quantity).times(request.price!).times(new Decimal(1).plus(rate)).toDecimalPlaces(8, Decimal.ROUND_UP).toNumber());
    }
    const b = this.balance(asset);
    if (ltQty(b.free, amount)) return `needs ${amount} ${asset}, ${b.free} free`;
    b.free = subQty(b.free, amount);
    b.locked = addQty(b.locked, amount);
    lock.lockAsset = asset;
    lock.lockAmount = amount;
    return undefined;
  }

  /** Lock `amount` of `asset` for an order (the caller has checked it fits: a perp's margin, see paper-margin.ts). */
  lock(lock: BalanceLock, asset: string, amount: number): void {
    const b = this.balance(asset);
    b.free = subQty(b.free, amount);
    b.locked = addQty(b.locked, amount);
    lock.lockAsset = asset;
    lock.lockAmount = amount;
  }

  /** Give back everything an order still has locked. */
  release(lock: BalanceLock): void {
    if (!(lock.lockAmount > 0)) return;
    const b = this.balance(lock.lockAsset);
    b.locked = subQty(b.locked, lock.lockAmount);
    b.free = addQty(b.free, lock.lockAmount);
    lock.lockAmount = 0;
  }

  /**
   * Book a fill of `quantity` (of `remainingBefore` still open on the order): unlock the share of the
   * reservation that belongs to the filled quantity (all that remains on the last fill), then pay from
   * free. A quote share covers at least this fill's cost; with `proRata` (a perp's margin lock) the
   * share is only the filled quantity's part of the lock.
   */
  settleFill(lock: BalanceLock, pair: AssetPair, side: OrderRequest["side"], quantity: number, remainingBefore: number, charge: FillCharge, proRata = false): void {
    const { baseFee, quoteAmount } = charge;
    if (lock.lockAmount > 0) {
      let release: number;
      if (gteQty(quantity, remainingBefore)) release = lock.lockAmount;
      else if (proRata) release = minQty(lock.lockAmount, proRataQty(lock.lockAmount, quantity, remainingBefore));
      else if (lock.lockAsset === pair.base) release = minQty(lock.lockAmount, quantity);
      else release = minQty(lock.lockAmount, maxQty(quoteAmount, proRataQty(lock.lockAmount, quantity, remainingBefore)));
      const locked = this.balance(lock.lockAsset);
      locked.locked = subQty(locked.locked, release);
      locked.free = addQty(locked.free, release);
      lock.lockAmount = subQty(lock.lockAmount, release);
    }
    const base = this.balance(pair.base);
    const quote = this.balance(pair.quote);
    if (side === "buy") {
      base.free = addQty(base.free, subQty(quantity, baseFee ?? 0));
      quote.free = subQty(quote.free, quoteAmount);
    } else {
      base.free = subQty(base.free, quantity);
      quote.free = addQty(quote.free, quoteAmount);
    }
  }
}
