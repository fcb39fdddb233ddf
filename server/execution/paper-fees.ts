import { roundMoney } from "../core/decimal";
import { addQty, mulQty, qtyTimesRate, subQty } from "../core/quantity";
import type { Side } from "../model/types";
import { DEFAULT_FEES, type FeeSchedule } from "./types";

/**
 * The paper venue's fee model (paper-venue.ts composes it): notional x rate, booked with roundMoney()
 * (8 dp) in the quote currency. With feeAsset "quote" (default) the commission is taken from the quote
 * balance for buys and sells alike. With "received" it is taken from the asset received, as Binance
 * does without BNB: a buy's commission is quantity x rate in the base asset (rounded to 8 dp, reported
 * as Fill.baseFee; Fill.fee is its quote value baseFee x price, money-rounded) and the holding grows by
 * quantity - baseFee; a sell's commission comes out of the quote received.
 */
export type FeeAsset = "quote" | "received";
export type Liquidity = "maker" | "taker";

/** What a fill costs or pays (see PaperFeeModel.charge). */
export interface FillCharge {
  fee: number;
  baseFee?: number;
  quoteAmount: number;
}

export class PaperFeeModel {
  readonly schedule: FeeSchedule;
  readonly feeAsset: FeeAsset;

  constructor(schedule: FeeSchedule = DEFAULT_FEES, feeAsset: FeeAsset = "quote") {
    this.schedule = schedule;
    this.feeAsset = feeAsset;
    if (feeAsset !== "quote" && feeAsset !== "received") {
      throw new RangeError(`paper venue option feeAsset must be "quote" or "received" (got ${String(feeAsset)})`);
    }
    for (const [name, value] of [
      ["fees.maker", schedule.maker],
      ["fees.taker", schedule.taker],
    ] as const) {
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`paper venue option ${name} must be a number >= 0 (got ${value})`);
    }
  }

  /** The fee rate a resting buy locks on top of its notional: the larger rate when the fee is paid in quote, else 0. */
  get lockRate(): number {
    return this.feeAsset === "quote" ? Math.max(this.schedule.maker, this.schedule.taker) : 0;
  }

  /**
   * What a fill costs or pays: fee is the commission's quote value (money-rounded; for a buy paid in
   * the base asset, baseFee x price), baseFee the base withheld from a buy with feeAsset "received",
   * quoteAmount the exact quote debited (buy: notional, plus the fee when paid in quote) or credited
   * (sell: notional - fee). The notional is quantity x price rounded to 8 dp. `feeAsset` overrides the
   * venue's (a perpetual pays its commission in the quote asset, whatever the spot setting).
   */
  charge(side: Side, quantity: number, price: number, liquidity: Liquidity, feeAsset: FeeAsset = this.feeAsset): FillCharge {
    const rate = liquidity === "maker" ? this.schedule.maker : this.schedule.taker;
    const notional = mulQty(quantity, price);
    if (side === "buy" && feeAsset === "received") {
      const baseFee = qtyTimesRate(quantity, rate);
      return { fee: roundMoney(baseFee * price), baseFee, quoteAmount: notional };
    }
    // Same fee as always (notional x rate, money-rounded), so backtest numbers do not move.
    const fee = roundMoney(quantity * price * rate);
    return { fee, quoteAmount: side === "buy" ? addQty(notional, fee) : subQty(notional, fee) };
  }

  /** The exact quote a buy of quantity at price will take from the free balance. */
  quoteCost(quantity: number, price: number, liquidity: Liquidity): number {
    return this.charge("buy", quantity, price, liquidity).quoteAmount;
  }
}
