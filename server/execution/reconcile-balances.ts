import { addQty, subQty, sumQty, toQty } from "../core/quantity";
import { errorMessage } from "../core/errors";
import type { Balance, Fill, Instrument } from "../model/types";
import type { VenueFill } from "./types";

/**
 * Balance reconciliation: what the venue holds, per asset, against what the bot accounts for.
 *
 *   venue free + locked  ≟  ledger position + dust + what the bot does not own
 *
 * "What the bot does not own" is what was on the account before the bot traded it (recorded at
 * the first start) plus deposits a person declared. The quote asset compares to the ledger's cash.
 *
 * Tolerance (documented contract): one lot step of the asset's instrument (the smallest step among
 * the instruments that trade it); for the quote asset QUOTE_TOLERANCE (0.01 quote units by default:
 * per-fill commission rounding at the venue). Anything beyond is a finding, never a silent drift:
 * - venue holds LESS than the bot accounts for: critical (an exit would try to sell coins that are
 *   not there; e.g. a fill the ledger refused);
 * - venue holds MORE: warning (a deposit, a fill the bot never booked).
 */
export const DEFAULT_QUOTE_TOLERANCE = 0.01;

export type ReconcileFindingKind =
  | "balance_mismatch" // venue total differs from ledger + dust + not-owned by more than the tolerance
  | "unknown_fill" // a fill at the venue that belongs to no stored order
  | "unbooked_fill" // a stored fill the ledger refused (e.g. a sell with no long on spot)
  | "unknown_order" // an open venue order the store does not know
  | "balances_unavailable"; // the venue's balances could not be read

export interface ReconcileFinding {
  kind: ReconcileFindingKind;
  severity: "warning" | "critical";
  /** A sentence a person can read, with the numbers. */
  message: string;
  asset?: string;
  symbol?: string;
  clientOrderId?: string;
  venueTradeId?: string;
  data: Record<string, number | string | null>;
}

/** One asset's comparison (all quantities exact on the 8-dp grid). */
export interface BalanceCheck {
  asset: string;
  venueFree: number;
  venueLocked: number;
  venueTotal: number;
  /** Ledger open positions of the asset (longs minus shorts), or the ledger's cash for the quote. */
  ledger: number;
  dust: number;
  notOwned: number;
  /** ledger + dust + notOwned */
  expected: number;
  /** venueTotal − expected */
  difference: number;
  tolerance: number;
  ok: boolean;
}

export interface BalanceReport {
  at: number;
  ok: boolean;
  checks: BalanceCheck[];
  findings: ReconcileFinding[];
}

/** What the ledger accounts for (Ledger.cash, Ledger.positions(), Ledger.dust() fit). */
export interface LedgerHoldings {
  cash: number;
  positions: ReadonlyArray<{ symbol: string; side: "long" | "short"; quantity: number }>;
  dust: ReadonlyArray<{ asset: string; quantity: number }>;
}

export interface CompareBalancesInput {
  at: number;
  quoteCurrency: string;
  venue: readonly Balance[];
  holdings: LedgerHoldings;
  instruments: ReadonlyMap<string, Pick<Instrument, "symbol" | "base" | "quote" | "stepSize">> | ReadonlyArray<Pick<Instrument, "symbol" | "base" | "quote" | "stepSize">>;
  /** Per asset: holdings the bot does not own (the account's balances before the bot, deposits). */
  notOwned?: Readonly<Record<string, number>>;
  quoteTolerance?: number;
}

const finiteOr0 = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/** Compare per asset. Assets the bot trades are always compared (an absent venue balance is 0). */
export function compareBalances(input: CompareBalancesInput): BalanceReport {
  const instruments = Array.isArray(input.instruments) ? input.instruments : [...(input.instruments as ReadonlyMap<string, Instrument>).values()];
  const quote = input.quoteCurrency;
  const bySymbol = new Map(instruments.map((i) => [i.symbol, i]));
  const tolerance = new Map<string, number>();
  for (const i of instruments) {
    const prev = tolerance.get(i.base);
    tolerance.set(i.base, prev === undefined ? i.stepSize : Math.min(prev, i.stepSize));
  }
  tolerance.set(quote, input.quoteTolerance ?? DEFAULT_QUOTE_TOLERANCE);

  const ledgerByAsset = new Map<string, number>();
  for (const p of input.holdings.positions) {
    const base = bySymbol.get(p.symbol)?.base ?? p.symbol.split("/")[0];
    const signed = p.side === "long" ? p.quantity : -p.quantity;
    ledgerByAsset.set(base, addQty(ledgerByAsset.get(base) ?? 0, signed));
  }
  ledgerByAsset.set(quote, toQty(input.holdings.cash));
  const dustByAsset = new Map<string, number>();
  for (const d of input.holdings.dust) dustByAsset.set(d.asset, addQty(dustByAsset.get(d.asset) ?? 0, d.quantity));
  const venueByAsset = new Map(input.venue.map((b) => [b.asset, b]));

  const assets = new Set<string>([quote, ...tolerance.keys(), ...ledgerByAsset.keys(), ...dustByAsset.keys()]);
  const checks: BalanceCheck[] = [];
  const findings: ReconcileFinding[] = [];
  for (const asset of [...assets].sort()) {
    const b = venueByAsset.get(asset);
    const venueFree = toQty(finiteOr0(b?.free));
    const venueLocked = toQty(finiteOr0(b?.locked));
    const venueTotal = addQty(venueFree, venueLocked);
    const ledger = ledgerByAsset.get(asset) ?? 0;
    const dust = dustByAsset.get(asset) ?? 0;
    const notOwned = toQty(finiteOr0(input.notOwned?.[asset]));
    const expected = sumQty([ledger, dust, notOwned]);
    const difference = subQty(venueTotal, expected);
    const tol = tolerance.get(asset) ?? 0;
    const ok = Math.abs(difference) <= tol + 1e-12;
    checks.push({ asset, venueFree, venueLocked, venueTotal, ledger, dust, notOwned, expected, difference, tolerance: tol, ok });
    if (!ok) {
      const less = difference < 0;
      findings.push({
        kind: "balance_mismatch",
        severity: less ? "critical" : "warning",
        asset,
        message:
          `${asset}: the venue holds ${venueTotal} (free ${venueFree}, locked ${venueLocked}) but the bot accounts for ${expected} ` +
          `(${asset === quote ? "cash" : "positions"} ${ledger}, dust ${dust}, not the bot's ${notOwned}); ` +
          `${less ? "short" : "over"} by ${Math.abs(difference)} (tolerance ${tol}). ` +
          (less ? "The bot counts holdings that are not there: check for a fill the ledger refused." : "The venue holds more than the bot booked: a deposit, or a fill the bot never recorded."),
        data: { venue: venueTotal, expected, difference, tolerance: tol, ledger, dust, notOwned },
      });
    }
  }
  return { at: input.at, ok: findings.length === 0, checks, findings };
}

/** A venue fill that belongs to no stored order: visible, never dropped. */
export function unknownFillFinding(fill: VenueFill): ReconcileFinding {
  return {
    kind: "unknown_fill",
    severity: "warning",
    symbol: fill.symbol,
    venueTradeId: fill.venueTradeId,
    message: `${fill.symbol}: the venue reports a ${fill.side} of ${fill.quantity} @ ${fill.price} (trade ${fill.venueTradeId}) that belongs to no order of the bot`,
    data: { side: fill.side, quantity: fill.quantity, price: fill.price, venueOrderId: fill.venueOrderId ?? null },
  };
}

/** A fill the ledger refused to book (the account calls this when Ledger.applyFill throws). */
export function unbookedFillFinding(fill: Fill, reason: unknown): ReconcileFinding {
  return {
    kind: "unbooked_fill",
    severity: "critical",
    symbol: fill.symbol,
    clientOrderId: fill.clientOrderId,
    venueTradeId: fill.venueTradeId,
    message: `${fill.symbol}: the venue filled a ${fill.side} of ${fill.quantity} @ ${fill.price} (order ${fill.clientOrderId}) that the ledger could not book: ${errorMessage(reason)}; positions and cash differ from the venue until a person settles it`,
    data: { side: fill.side, quantity: fill.quantity, price: fill.price },
  };
}

export interface ReconcileBalancesOptions extends Omit<CompareBalancesInput, "venue"> {
  venue: { fetchBalances(): Promise<Balance[]> };
}

/** Fetch the venue's balances and compare; an unreadable venue is a finding, not an exception. */
export async function reconcileBalances(options: ReconcileBalancesOptions): Promise<BalanceReport> {
  let venue: Balance[];
  try {
    venue = await options.venue.fetchBalances();
  } catch (err) {
    return {
      at: options.at,
      ok: false,
      checks: [],
      findings: [{ kind: "balances_unavailable", severity: "warning", message: `the venue's balances could not be read: ${errorMessage(err)}`, data: {} }],
    };
  }
  return compareBalances({ ...options, venue });
}
