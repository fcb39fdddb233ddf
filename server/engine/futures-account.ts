import { isolatedWallet, unrealizedPnl } from "../futures";
import type { FundingStore, Ledger } from "../portfolio";
import type { RiskFuturesContext, RiskPerpContract } from "../risk";

/**
 * The futures side of a trading account (issue 15), as the perp-only risk checks read it
 * (RiskContext.futures). The account trades the contracts listed here (leverage, margin mode and
 * maintenance brackets as set at the venue); everything else is computed from the account's own
 * ledger, which books a perpetual like a spot pair (cash moves by the notional, a short is a
 * negative holding) plus funding:
 * - wallet balance = starting cash + the ledger's realized P&L (net of every fee and every funding
 *   payment), i.e. Binance's totalWalletBalance: deposits + realised P&L − fees ± funding, without
 *   unrealised P&L;
 * - principal = the capital put in: `principal` when stated, else the ledger's starting cash;
 * - futures P&L = realized P&L of the perp symbols (attribution by symbol) + unrealised P&L of the
 *   open perp positions at mark;
 * - isolated wallets: an isolated position's entry notional / leverage − its funding paid.
 * Nothing is copied until a check reads it: a spot order reads only `contracts`.
 */
export interface AccountFutures {
  /** The perpetuals the account trades, by symbol (symbols not listed are spot). */
  readonly contracts: ReadonlyMap<string, RiskPerpContract>;
  /** Capital the trader put in (quote); default: the ledger's starting cash. */
  readonly principal?: number;
  /**
   * Paper, ghost and backtest: the funding rate of a perpetual at a funding time (stored funding
   * history); undefined or absent: DEFAULT_FUNDING_RATE.
   */
  readonly fundingRate?: (symbol: string, time: number) => number | undefined;
  /**
   * Live: the funding the venue booked since a time (Binance GET /fapi/v1/income, FUNDING_FEE; ccxt
   * fetchFundingHistory). The account books the venue's own amounts instead of computing them.
   */
  readonly fundingIncome?: (since: number) => Promise<readonly FundingIncome[]>;
  /** Where each funding payment is stored before it counts (a restart replays it). */
  readonly fundingStore?: FundingStore;
  /**
   * Live: the venue's open perp positions (Binance GET /fapi/v2|v3/positionRisk, ccxt fetchPositions),
   * one per symbol in one-way mode. The kill switch lists, closes and confirms flat from these, not
   * from the ledger: a position the venue holds and the ledger does not know still gets closed.
   */
  readonly venuePositions?: () => Promise<readonly VenuePerpPosition[]>;
}

/** A perp position as the venue reports it (positionRisk): the side from positionAmt's sign, quantity its absolute value. */
export interface VenuePerpPosition {
  readonly symbol: string;
  readonly side: "long" | "short";
  readonly quantity: number;
}

/**
 * ccxt positions (fetchPositions) as the venue's open perp positions: Binance's signed positionAmt
 * when the answer carries it (negative = short), else ccxt's contracts and side; zero-size entries
 * (positionRisk lists every symbol) left out.
 */
export function venuePerpPositions(list: readonly { symbol?: string; side?: string | undefined; contracts?: number | undefined; info?: unknown }[]): VenuePerpPosition[] {
  const out: VenuePerpPosition[] = [];
  for (const p of list) {
    if (!p.symbol) continue;
    const raw = (p.info as { positionAmt?: unknown } | undefined)?.positionAmt;
    const amt = raw !== undefined && raw !== null && raw !== "" ? Number(raw) : p.side === "short" ? -Number(p.contracts ?? 0) : Number(p.contracts ?? 0);
    if (!Number.isFinite(amt) || amt === 0) continue;
    out.push({ symbol: p.symbol, side: amt < 0 ? "short" : "long", quantity: Math.abs(amt) });
  }
  return out;
}

/** A funding payment as the venue reports it: the cash flow into the account (negative = paid). */
export interface FundingIncome {
  readonly symbol: string;
  readonly amount: number;
  readonly time: number;
  /** The venue's id of the income record (deduplication). */
  readonly id?: string;
}

/**
 * The funding rate paper, ghost and backtest accounts book when no funding history is stored:
 * 0.01 % per 8 hours, Binance's baseline (its interest-rate component, 0.03 % a day, with a zero
 * premium), at which longs pay shorts.
 */
export const DEFAULT_FUNDING_RATE = 0.0001;

export function futuresRiskContext(ledger: Ledger, futures: AccountFutures): RiskFuturesContext {
  return new LedgerFuturesView(ledger, futures);
}

class LedgerFuturesView implements RiskFuturesContext {
  readonly contracts: ReadonlyMap<string, RiskPerpContract>;
  readonly principal: number;
  #walletBalance: number | undefined;
  #futuresPnl: number | undefined;
  #isolated: ReadonlyMap<string, number> | undefined;

  constructor(
    private readonly ledger: Ledger,
    futures: AccountFutures,
  ) {
    this.contracts = futures.contracts;
    this.principal = futures.principal ?? ledger.startingCash;
  }

  get walletBalance(): number {
    return (this.#walletBalance ??= this.ledger.startingCash + this.ledger.realizedPnl);
  }

  get futuresPnl(): number {
    if (this.#futuresPnl !== undefined) return this.#futuresPnl;
    const bySymbol = this.ledger.attribution().bySymbol;
    let pnl = 0;
    for (const symbol of this.contracts.keys()) pnl += bySymbol[symbol]?.realizedPnl ?? 0;
    for (const p of this.ledger.positions()) {
      if (!this.contracts.has(p.symbol) || !(p.quantity > 0)) continue;
      const mark = Number.isFinite(p.markPrice) && p.markPrice! > 0 ? p.markPrice! : p.avgEntryPrice;
      pnl += unrealizedPnl({ side: p.side, quantity: p.quantity, entryPrice: p.avgEntryPrice }, mark);
    }
    return (this.#futuresPnl = pnl);
  }

  get isolatedWallets(): ReadonlyMap<string, number> | undefined {
    if (this.#isolated) return this.#isolated;
    const wallets = new Map<string, number>();
    const sides = new Map<string, string>();
    const mixed = new Set<string>();
    for (const p of this.ledger.positions()) {
      const c = this.contracts.get(p.symbol);
      if (!c || c.marginMode !== "isolated" || !(p.quantity > 0)) continue;
      // One-way mode: the venue holds one net position per symbol; the ledger's (one per strategy
      // instance) add up when on one side. Opposite sides net at the venue: left to the checks' own
      // netting (entry notional / leverage of the net position).
      if (sides.has(p.symbol) && sides.get(p.symbol) !== p.side) mixed.add(p.symbol);
      sides.set(p.symbol, p.side);
      const wallet = isolatedWallet({ side: p.side, quantity: p.quantity, entryPrice: p.avgEntryPrice }, c.leverage, { fundingPaid: p.fundingPaid ?? 0 });
      wallets.set(p.symbol, (wallets.get(p.symbol) ?? 0) + wallet);
    }
    for (const symbol of mixed) wallets.delete(symbol);
    return (this.#isolated = wallets);
  }
}
