import { AppError } from "../core/errors";
import type { Balance } from "../model/types";

/**
 * The reconciliation panel: what the venue holds against what the bot's ledger holds, per asset and
 * per open order, with what a person may do about each difference. Every action is audited.
 *  - matched: venue and ledger agree within one lot step;
 *  - unknown: the venue holds more than the ledger (placed by hand, a deposit, a fill never booked):
 *    adopt it as a position with a chosen stop, close it at market, or ignore it (not the bot's);
 *  - missing: the ledger holds more than the venue (sold by hand, withdrawn): mark the ledger's
 *    position closed with the reason.
 * Open orders the same way: unknown at the venue (cancel or ignore), missing at the venue (mark closed).
 * Pure panel computation here; the actions go through ports the engine implements.
 */

export type ReconciliationStatus = "matched" | "unknown" | "missing" | "ignored";
export type ReconciliationAction = "adopt" | "close" | "ignore" | "mark_closed" | "cancel";

export interface PanelInstrument {
  symbol: string;
  base: string;
  quote: string;
  stepSize: number;
}

export interface PanelLedgerPosition {
  id: string;
  symbol: string;
  side: "long" | "short";
  quantity: number;
}

export interface PanelOrder {
  /** The venue's order id (venue side) or the client order id (ledger side). */
  id: string;
  clientOrderId?: string;
  venueOrderId?: string;
  symbol: string;
  side: "buy" | "sell";
  quantity: number;
  price?: number;
}

export interface IgnoredHolding {
  key: string;
  /** The quantity that was ignored: a larger unknown quantity later shows again. */
  quantity: number;
  by: string;
  at: number;
}

export interface ReconciliationRow {
  /** "asset:BTC" or "order:<id>" */
  key: string;
  kind: "asset" | "order";
  asset?: string;
  symbol?: string;
  venue: number;
  ledger: number;
  /** venue − ledger */
  difference: number;
  /** What an action moves: the unknown part not yet ignored (unknown rows), else |difference|. */
  quantity: number;
  status: ReconciliationStatus;
  actions: ReconciliationAction[];
  message: string;
  /** Ledger positions of the asset (mark_closed applies to them). */
  positionIds?: string[];
  order?: PanelOrder;
}

export interface ReconciliationPanel {
  at: number;
  ok: boolean;
  rows: ReconciliationRow[];
  counts: Record<ReconciliationStatus, number>;
}

export interface PanelInput {
  at: number;
  quoteCurrency: string;
  venueBalances: readonly Balance[];
  ledgerPositions: readonly PanelLedgerPosition[];
  venueOpenOrders: readonly PanelOrder[];
  ledgerOpenOrders: readonly PanelOrder[];
  instruments: readonly PanelInstrument[];
  ignored: readonly IgnoredHolding[];
  /**
   * Live futures (issue 15): the perpetuals traded and the venue's positions in them (Binance
   * positionRisk, AccountFutures.venuePositions). A perp is compared as a position per symbol, not
   * as a balance of its base asset (a futures account holds no BTC): see perpPositionRows.
   */
  perps?: { symbols: readonly string[]; venuePositions: readonly PanelVenuePerp[] };
}

/** A perp position as the venue reports it (positionRisk: the side from positionAmt's sign). */
export interface PanelVenuePerp {
  symbol: string;
  side: "long" | "short";
  quantity: number;
}

const fmt = (n: number) => String(Number(n.toPrecision(10)));

export function computeReconciliationPanel(input: PanelInput): ReconciliationPanel {
  const rows: ReconciliationRow[] = [];
  const ignored = new Map(input.ignored.map((i) => [i.key, i]));
  const perpSymbols = new Set(input.perps?.symbols ?? []);
  if (input.perps) rows.push(...perpPositionRows(input.perps, input.ledgerPositions, input.instruments, ignored));
  const assets = new Map<string, { step: number; symbol: string }>();
  for (const i of input.instruments) {
    if (i.quote !== input.quoteCurrency || perpSymbols.has(i.symbol)) continue;
    const prev = assets.get(i.base);
    if (!prev || i.stepSize < prev.step) assets.set(i.base, { step: i.stepSize, symbol: i.symbol });
  }
  const venueOf = new Map(input.venueBalances.map((b) => [b.asset, b.free + b.locked]));
  const spotPositions = input.ledgerPositions.filter((p) => !perpSymbols.has(p.symbol));
  for (const p of spotPositions) {
    const base = input.instruments.find((i) => i.symbol === p.symbol)?.base;
    if (base && !assets.has(base)) assets.set(base, { step: 1e-8, symbol: p.symbol });
  }
  for (const [asset, { step, symbol }] of [...assets.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    const positions = spotPositions.filter((p) => input.instruments.find((i) => i.symbol === p.symbol)?.base === asset);
    const ledger = positions.reduce((s, p) => s + (p.side === "long" ? p.quantity : -p.quantity), 0);
    const venue = venueOf.get(asset) ?? 0;
    if (venue === 0 && ledger === 0) continue;
    const difference = Number((venue - ledger).toFixed(12));
    const key = `asset:${asset}`;
    const ign = ignored.get(key);
    const unignored = Number((difference - (ign?.quantity ?? 0)).toFixed(12));
    const base = { key, kind: "asset" as const, asset, symbol, venue, ledger, difference, quantity: Math.abs(difference), positionIds: positions.map((p) => p.id) };
    if (Math.abs(difference) <= step * (1 + 1e-9)) {
      rows.push({ ...base, status: "matched", actions: [], message: `${fmt(venue)} ${asset} at the venue, ${fmt(ledger)} in the ledger` });
    } else if (difference > 0) {
      if (ign && unignored <= step * (1 + 1e-9)) {
        rows.push({ ...base, status: "ignored", actions: ["adopt", "close"], message: `${fmt(difference)} ${asset} at the venue that the ledger does not hold, ignored by ${ign.by} (not the bot's)` });
      } else {
        rows.push({
          ...base,
          quantity: ign ? unignored : difference,
          status: "unknown",
          actions: ["adopt", "close", "ignore"],
          message: `the venue holds ${fmt(ign ? unignored : difference)} ${asset} the ledger does not know${ign ? ` (beside ${fmt(ign.quantity)} ignored)` : ""} (placed by hand, a deposit, or a fill never booked): adopt it with a stop, close it, or ignore it`,
        });
      }
    } else {
      rows.push({
        ...base,
        status: "missing",
        actions: positions.length ? ["mark_closed"] : [],
        message: `the ledger holds ${fmt(-difference)} ${asset} more than the venue (sold or withdrawn by hand?): mark the position closed with the reason`,
      });
    }
  }
  const ledgerIds = new Set(input.ledgerOpenOrders.flatMap((o) => [o.id, o.clientOrderId, o.venueOrderId].filter((x): x is string => !!x)));
  const venueIds = new Set(input.venueOpenOrders.flatMap((o) => [o.id, o.clientOrderId, o.venueOrderId].filter((x): x is string => !!x)));
  for (const o of input.venueOpenOrders) {
    const known = [o.id, o.clientOrderId, o.venueOrderId].some((x) => x && ledgerIds.has(x));
    const key = `order:${o.id}`;
    if (known) rows.push({ key, kind: "order", symbol: o.symbol, venue: o.quantity, ledger: o.quantity, difference: 0, quantity: 0, status: "matched", actions: [], message: `${o.side} ${fmt(o.quantity)} ${o.symbol} open on both`, order: o });
    else if (ignored.has(key)) rows.push({ key, kind: "order", symbol: o.symbol, venue: o.quantity, ledger: 0, difference: o.quantity, quantity: o.quantity, status: "ignored", actions: ["cancel"], message: `venue order ${o.id} ignored by ${ignored.get(key)!.by}`, order: o });
    else rows.push({ key, kind: "order", symbol: o.symbol, venue: o.quantity, ledger: 0, difference: o.quantity, quantity: o.quantity, status: "unknown", actions: ["cancel", "ignore"], message: `an open ${o.side} order of ${fmt(o.quantity)} ${o.symbol} at the venue that the bot did not send`, order: o });
  }
  for (const o of input.ledgerOpenOrders) {
    if ([o.id, o.clientOrderId, o.venueOrderId].some((x) => x && venueIds.has(x))) continue;
    rows.push({ key: `order:${o.id}`, kind: "order", symbol: o.symbol, venue: 0, ledger: o.quantity, difference: -o.quantity, quantity: o.quantity, status: "missing", actions: ["mark_closed"], message: `order ${o.id} is open in the ledger but not at the venue (filled or cancelled by hand?)`, order: o });
  }
  const counts: Record<ReconciliationStatus, number> = { matched: 0, unknown: 0, missing: 0, ignored: 0 };
  for (const r of rows) counts[r.status]++;
  return { at: input.at, ok: counts.unknown === 0 && counts.missing === 0, rows, counts };
}

/**
 * Live futures: the ledger's net position per perpetual (longs − shorts) against the venue's
 * (positionRisk), within one lot step. Rows are keyed "position:<symbol>" (kind "asset", the contract
 * as the asset):
 *  - matched: the same side and size;
 *  - missing: the ledger holds more than the venue in its direction, or the venue holds the other
 *    side or nothing (liquidated by the venue, closed by hand): mark the ledger's positions closed;
 *  - unknown: the venue holds more than the ledger (opened by hand, a fill never booked): ignore it,
 *    or let the kill switch close it (it closes what positionRisk holds).
 */
export function perpPositionRows(
  perps: NonNullable<PanelInput["perps"]>,
  ledgerPositions: readonly PanelLedgerPosition[],
  instruments: readonly PanelInstrument[],
  ignored: ReadonlyMap<string, IgnoredHolding> = new Map(),
): ReconciliationRow[] {
  const rows: ReconciliationRow[] = [];
  const signed = (p: { side: "long" | "short"; quantity: number }) => (p.side === "long" ? p.quantity : -p.quantity);
  const symbols = new Set<string>();
  for (const p of perps.venuePositions) if (perps.symbols.includes(p.symbol) && p.quantity > 0) symbols.add(p.symbol);
  for (const p of ledgerPositions) if (perps.symbols.includes(p.symbol) && p.quantity > 0) symbols.add(p.symbol);
  for (const symbol of [...symbols].sort()) {
    const step = instruments.find((i) => i.symbol === symbol)?.stepSize ?? 1e-8;
    const positions = ledgerPositions.filter((p) => p.symbol === symbol);
    const ledger = Number(positions.reduce((s, p) => s + signed(p), 0).toFixed(12));
    const venue = Number(perps.venuePositions.filter((p) => p.symbol === symbol).reduce((s, p) => s + signed(p), 0).toFixed(12));
    const difference = Number((venue - ledger).toFixed(12));
    const key = `position:${symbol}`;
    const base = { key, kind: "asset" as const, asset: symbol, symbol, venue, ledger, difference, quantity: Math.abs(difference), positionIds: positions.map((p) => p.id) };
    const describe = (n: number) => (n === 0 ? "flat" : `${n > 0 ? "long" : "short"} ${fmt(Math.abs(n))}`);
    const both = `the venue is ${describe(venue)} ${symbol}, the ledger ${describe(ledger)}`;
    if (Math.abs(difference) <= step * (1 + 1e-9)) {
      rows.push({ ...base, status: "matched", actions: [], message: both });
      continue;
    }
    const ledgerAhead = ledger !== 0 && (venue === 0 || Math.sign(venue) !== Math.sign(ledger) || Math.abs(venue) < Math.abs(ledger));
    if (ledgerAhead) {
      rows.push({
        ...base,
        status: "missing",
        actions: positions.length ? ["mark_closed"] : [],
        message: `${both}: the ledger holds a position the venue no longer has (liquidated by the venue, or closed by hand?): mark the ledger's position closed with the reason`,
      });
      continue;
    }
    const ign = ignored.get(key);
    if (ign && Math.abs(difference) <= Math.abs(ign.quantity) + step * (1 + 1e-9)) {
      rows.push({ ...base, status: "ignored", actions: [], message: `${both}: the venue's ${fmt(Math.abs(difference))} beyond the ledger ignored by ${ign.by} (not the bot's)` });
      continue;
    }
    rows.push({
      ...base,
      status: "unknown",
      actions: ["ignore"],
      message: `${both}: the venue holds ${fmt(Math.abs(difference))} the ledger does not know (opened by hand, or a fill never booked): ignore it, or close it at the venue (the kill switch closes what the venue holds)`,
    });
  }
  return rows;
}

/**
 * The perp position comparison as reconciliation findings (the start-up and on-demand reconciliation
 * of the live account, engine/runtime.ts, shown on /api/health and /api/status with the balance
 * findings): the ledger holding more than the venue is critical (an exit or the liquidation guard
 * would act on a position that is not there, e.g. one the venue liquidated), the venue holding more a
 * warning (opened by hand, a fill never booked).
 */
export function perpPositionFindings(
  perps: NonNullable<PanelInput["perps"]>,
  ledgerPositions: readonly PanelLedgerPosition[],
  instruments: readonly PanelInstrument[],
): { kind: "balance_mismatch"; severity: "warning" | "critical"; message: string; asset: string; symbol: string; data: Record<string, number | string | null> }[] {
  return perpPositionRows(perps, ledgerPositions, instruments)
    .filter((r) => r.status === "missing" || r.status === "unknown")
    .map((r) => ({
      kind: "balance_mismatch" as const,
      severity: r.status === "missing" ? ("critical" as const) : ("warning" as const),
      message: `position mismatch: ${r.message}`,
      asset: r.symbol!,
      symbol: r.symbol!,
      data: { venue: r.venue, ledger: r.ledger, difference: r.difference },
    }));
}

/** What the engine does for each action (implemented by the composition root over the live account). */
export interface ReconciliationPorts {
  /** Book `quantity` of `symbol` as an open long at `price` with the chosen stop. */
  adopt(input: { symbol: string; quantity: number; price: number; stopLoss: number; reason: string }): Promise<{ positionId: string }>;
  /** Sell `quantity` of `symbol` at market at the venue (not through the ledger: it never held it). */
  close(input: { symbol: string; quantity: number; reason: string }): Promise<{ orderId: string }>;
  markClosed(input: { positionIds?: string[]; clientOrderId?: string; reason: string }): Promise<void>;
  cancel(input: { symbol: string; venueOrderId: string; reason: string }): Promise<void>;
  ignore(entry: IgnoredHolding): Promise<void>;
  lastPrice(symbol: string): number | undefined;
  audit(entry: { actor: string; action: string; data: Record<string, unknown> }): Promise<void>;
}

export interface ActionRequest {
  key: string;
  action: ReconciliationAction;
  /** adopt: the stop price of the adopted position (required, below the price). */
  stopLoss?: number;
  /** Why (mark_closed needs one; others default to a sentence). */
  reason?: string;
}

/** Apply one person's decision to a panel row; refuses an action the row does not offer. Audited before it returns. */
export async function applyReconciliationAction(panel: ReconciliationPanel, req: ActionRequest, actor: string, ports: ReconciliationPorts) {
  const row = panel.rows.find((r) => r.key === req.key);
  if (!row) throw new AppError("RECONCILIATION_ROW_UNKNOWN", `no reconciliation row ${req.key}: reload the panel`, 404);
  if (!row.actions.includes(req.action)) {
    throw new AppError("RECONCILIATION_ACTION_INVALID", `${req.action} is not possible on ${req.key} (${row.status}); possible: ${row.actions.join(", ") || "none"}`, 409);
  }
  const reason = req.reason?.trim() || `reconciliation: ${req.action} by ${actor}`;
  let result: Record<string, unknown> = {};
  if (req.action === "adopt") {
    const price = ports.lastPrice(row.symbol!);
    if (price === undefined) throw new AppError("PRICE_UNAVAILABLE", `no price for ${row.symbol}: cannot adopt at market`, 409);
    if (req.stopLoss === undefined || !(req.stopLoss > 0) || req.stopLoss >= price) {
      throw new AppError("ADOPT_STOP_REQUIRED", `adopting ${row.asset} needs a stop below the price ${fmt(price)}`, 400);
    }
    result = await ports.adopt({ symbol: row.symbol!, quantity: row.quantity, price, stopLoss: req.stopLoss, reason });
    result = { ...result, price, stopLoss: req.stopLoss };
  } else if (req.action === "close") {
    result = await ports.close({ symbol: row.symbol!, quantity: row.quantity, reason });
  } else if (req.action === "ignore") {
    await ports.ignore({ key: row.key, quantity: row.kind === "asset" ? row.difference : row.quantity, by: actor, at: panel.at });
  } else if (req.action === "mark_closed") {
    if (!req.reason?.trim()) throw new AppError("REASON_REQUIRED", "marking closed needs the reason (what happened at the venue)", 400);
    await ports.markClosed(row.kind === "asset" ? { positionIds: row.positionIds, reason } : { clientOrderId: row.order?.clientOrderId ?? row.order?.id, reason });
  } else if (req.action === "cancel") {
    await ports.cancel({ symbol: row.symbol!, venueOrderId: row.order!.venueOrderId ?? row.order!.id, reason });
  }
  await ports.audit({ actor, action: `reconciliation.${req.action}`, data: { key: row.key, status: row.status, venue: row.venue, ledger: row.ledger, difference: row.difference, quantity: row.quantity, reason, ...result } });
  return { key: row.key, action: req.action, ...result };
}
