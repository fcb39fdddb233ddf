import type { EventBus } from "../core/event-bus";
import { createLogger, type Logger } from "../core/logger";
import type { Fill, KernelMode, Order, OrderStatus } from "../model/types";
import { toVenueError, type VenueError } from "./errors";
import type { ExecutionEvents } from "./order-manager";
import { applyVenueUpdate, canTransition, isTerminal } from "./order-state";
import type { OrderStore } from "./order-store";
import type { ExecutionVenue, VenueFill, VenueOrderUpdate } from "./types";
import { isStopType } from "./validate";
import {
  reconcileBalances,
  unknownFillFinding,
  type BalanceReport,
  type CompareBalancesInput,
  type LedgerHoldings,
  type ReconcileFinding,
} from "./reconcile-balances";

export * from "./reconcile-balances";

export type ReconcileActionKind =
  | "fill_recorded" // a fill that happened while the app was down
  | "status_updated" // the venue's status differs from the stored one
  | "marked_vanished" // stored open, unknown to the venue: marked expired
  | "marked_unsent" // stored "new", never reached the venue: marked rejected (not re-sent)
  | "stop_still_held"; // an engine-held stop: the venue is not meant to know it

export interface ReconcileAction {
  kind: ReconcileActionKind;
  clientOrderId: string;
  symbol: string;
  detail: string;
}

export interface ReconcileError {
  code: string;
  message: string;
  clientOrderId?: string;
  symbol?: string;
}

export interface ReconcileReport {
  /** False when reconciliation could not complete: the engine must not trade (errors say why). */
  ok: boolean;
  startedAt: number;
  actions: ReconcileAction[];
  /** Open orders at the venue that the store does not know (placed by hand or by another process). */
  unknownVenueOrders: VenueOrderUpdate[];
  /** Fills at the venue that belong to no stored order. */
  unknownVenueFills: VenueFill[];
  errors: ReconcileError[];
  /**
   * What a person must look at: balance mismatches beyond one lot step, venue fills and orders the
   * bot does not know, fills the ledger refused. Never silently dropped; ok stays about completion.
   */
  findings: ReconcileFinding[];
  /** The per-asset balance comparison (null when no `balances` option was given). */
  balances: BalanceReport | null;
}

/**
 * The shape /api/health and the dashboard show (see summarizeReconciliation).
 * status: "failed" = reconciliation could not complete (trading must not start); "degraded" = it
 * completed with findings; "ok" = the store and the balances agree with the venue.
 */
export interface ReconciliationSummary {
  status: "ok" | "degraded" | "failed";
  at: number;
  message: string;
  corrections: number;
  findings: ReconcileFinding[];
  balances: BalanceReport["checks"];
}

export function summarizeReconciliation(report: Pick<ReconcileReport, "ok" | "startedAt" | "actions" | "errors" | "findings" | "balances">, venueId: string): ReconciliationSummary {
  const findings = [...report.findings];
  const status = !report.ok ? "failed" : findings.length > 0 ? "degraded" : "ok";
  const critical = findings.filter((f) => f.severity === "critical").length;
  const message = !report.ok
    ? `reconciliation failed: ${report.errors.map((e) => e.message).join("; ")}`
    : findings.length > 0
      ? `reconciled with ${venueId}: ${report.actions.length} correction(s), ${findings.length} finding(s)${critical ? ` (${critical} critical)` : ""}: ${findings.map((f) => f.message).join(" | ")}`
      : `reconciled with ${venueId}: ${report.actions.length} correction(s), balances agree`;
  return { status, at: report.startedAt, message, corrections: report.actions.length, findings, balances: report.balances?.checks ?? [] };
}

export interface ReconcileOptions {
  store: OrderStore;
  venue: ExecutionVenue;
  mode: KernelMode;
  /** Clock time of the run (stamps updated orders). */
  now: number;
  /** Symbols traded, checked for unknown open orders even when no stored order is open on them. */
  symbols?: readonly string[];
  /** Publish recorded fills and changed orders here (same events as the OrderManager's). */
  events?: EventBus<ExecutionEvents>;
  logger?: Logger;
  /**
   * Compare balances at the end (after the fills recorded here were booked): `holdings` is read
   * then, so it must reflect the ledger after the published fills (Ledger.cash/positions()/dust()).
   */
  balances?: Omit<CompareBalancesInput, "venue" | "holdings" | "at"> & { holdings: () => LedgerHoldings };
}

/** Errors after which asking the venue anything else is pointless. */
const FATAL_CODES: ReadonlySet<string> = new Set(["AUTHENTICATION", "NETWORK", "TIMEOUT", "VENUE_UNAVAILABLE", "RATE_LIMITED"]);

class VenueDown extends Error {}

/**
 * Start-up recovery: bring the store in line with the venue before trading resumes.
 *
 * 1. Every stored open order of the mode is looked up at the venue by client order id.
 * 2. Fills the venue reports since each such order's last stored fill (or creation) are recorded,
 *    once, before any status change, and published.
 * 3. Statuses move through the state machine to the venue's view.
 * 4. A stored "submitted"/"partially_filled" order the venue does not know is marked expired
 *    ("vanished"). A stored "new" order the venue does not know never reached it: it is marked
 *    rejected and NOT re-sent, because the decision behind it (signal, risk checks, price) is stale
 *    after a restart; the strategy decides afresh. The look-up by client order id comes first, so an
 *    order that did reach the venue is adopted, never duplicated.
 *    Engine-held stops (venue without exchange stops) are expected to be unknown to the venue and
 *    are left for OrderManager.start() to re-arm.
 * 5. Open orders at the venue that the store does not know are reported, not touched.
 * If the venue is unreachable or refuses the credentials, the run stops with ok: false.
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const { store, venue, mode, now } = options;
  const logger = options.logger ?? createLogger("silent");
  const report: ReconcileReport = { ok: true, startedAt: now, actions: [], unknownVenueOrders: [], unknownVenueFills: [], errors: [], findings: [], balances: null };
  const fail = (error: VenueError, clientOrderId?: string, symbol?: string) => {
    report.errors.push({ code: error.code, message: error.message, clientOrderId, symbol });
    if (FATAL_CODES.has(error.code)) throw new VenueDown(error.message);
  };

  try {
    const stored = await store.loadOpenOrders(mode);
    const byVenueOrderId = new Map<string, string>();
    const seen = new Map<string, VenueOrderUpdate | undefined>();

    // 1. Ask the venue about each stored open order.
    for (const order of stored) {
      if (order.venueOrderId) byVenueOrderId.set(order.venueOrderId, order.clientOrderId);
      try {
        const update = await venue.fetchOrder(order.clientOrderId, order.symbol);
        seen.set(order.clientOrderId, update);
        if (update?.venueOrderId) byVenueOrderId.set(update.venueOrderId, order.clientOrderId);
      } catch (err) {
        fail(toVenueError(err, `fetch order ${order.clientOrderId}`), order.clientOrderId, order.symbol);
      }
    }

    // 2. Fills while down, per symbol, since the earliest point any open order could have filled.
    const sinceBySymbol = new Map<string, number>();
    for (const order of stored) {
      const fills = await store.loadFills(order.clientOrderId);
      const since = fills.length > 0 ? fills[fills.length - 1].timestamp : order.createdAt;
      sinceBySymbol.set(order.symbol, Math.min(sinceBySymbol.get(order.symbol) ?? Number.POSITIVE_INFINITY, since));
    }
    const recordFill = async (fill: Fill) => {
      if (!(await store.saveFill(fill))) return;
      const order = await store.loadOrder(fill.clientOrderId);
      report.actions.push({
        kind: "fill_recorded",
        clientOrderId: fill.clientOrderId,
        symbol: fill.symbol,
        detail: `${fill.side} ${fill.quantity} @ ${fill.price} (trade ${fill.venueTradeId}, fee ${fill.fee})`,
      });
      if (order) options.events?.emit("order.fill", { fill, order });
    };
    for (const [symbol, since] of sinceBySymbol) {
      let fills: VenueFill[];
      try {
        fills = await venue.fetchFills(symbol, since);
      } catch (err) {
        fail(toVenueError(err, `fetch fills ${symbol}`), undefined, symbol);
        continue;
      }
      for (const fill of fills) {
        let clientOrderId = fill.clientOrderId ?? (fill.venueOrderId ? byVenueOrderId.get(fill.venueOrderId) : undefined);
        // A fill of one of the bot's finished orders: the venue's trade list names only its order id.
        if (!clientOrderId && fill.venueOrderId) clientOrderId = (await store.findByVenueOrderId(mode, fill.venueOrderId))?.clientOrderId;
        if (!clientOrderId || !(await store.loadOrder(clientOrderId))) {
          report.unknownVenueFills.push(fill);
          report.findings.push(unknownFillFinding(fill));
          continue;
        }
        const { venueOrderId: _venueOrderId, ...rest } = fill;
        await recordFill({ ...rest, clientOrderId });
      }
    }
    // Fills attached to the order answers (some venues report them there only).
    for (const update of seen.values()) {
      for (const fill of update?.fills ?? []) await recordFill(fill);
    }

    // 3./4. Statuses.
    for (const order of stored) {
      if (!seen.has(order.clientOrderId)) continue; // its look-up failed: already in errors
      const update = seen.get(order.clientOrderId);
      if (update) {
        await applyStatus(order, update);
        continue;
      }
      if (venue.capabilities.exchangeStops === false && isStopType(order.type) && order.status === "submitted" && !order.venueOrderId) {
        report.actions.push({ kind: "stop_still_held", clientOrderId: order.clientOrderId, symbol: order.symbol, detail: `stop at ${order.stopPrice} stays with the engine` });
        continue;
      }
      if (order.status === "new") {
        await setStatus(order, "rejected", "marked_unsent", "never reached the venue before the restart; not re-sent because its decision is stale");
      } else {
        await setStatus(order, "expired", "marked_vanished", `stored as ${order.status} but unknown to the venue`);
      }
    }

    // 5. Venue orders the store does not know.
    const symbols = new Set<string>([...(options.symbols ?? []), ...stored.map((o) => o.symbol)]);
    const lists: VenueOrderUpdate[][] = [];
    if (symbols.size === 0) {
      try {
        lists.push(await venue.fetchOpenOrders());
      } catch (err) {
        fail(toVenueError(err, "fetch open orders"));
      }
    }
    for (const symbol of symbols) {
      try {
        lists.push(await venue.fetchOpenOrders(symbol));
      } catch (err) {
        fail(toVenueError(err, `fetch open orders ${symbol}`), undefined, symbol);
      }
    }
    for (const open of lists.flat()) {
      const known = await store.loadOrder(open.clientOrderId);
      if (!known || known.mode !== mode) {
        report.unknownVenueOrders.push(open);
        report.findings.push({
          kind: "unknown_order",
          severity: "warning",
          symbol: open.symbol,
          clientOrderId: open.clientOrderId,
          message: `${open.symbol}: an open order ${open.clientOrderId} at the venue (${open.status}) is not the bot's; left untouched`,
          data: { status: open.status },
        });
      } else if (isTerminal(known.status)) {
        report.errors.push({
          code: "STATE_MISMATCH",
          message: `order ${open.clientOrderId} is stored as ${known.status} but is open at the venue (${open.status}); cancel it at the venue or investigate`,
          clientOrderId: open.clientOrderId,
          symbol: open.symbol,
        });
      }
    }
    // 6. Balances: every venue fill ends in the ledger or in a finding.
    if (options.balances) {
      const { holdings, ...rest } = options.balances;
      report.balances = await reconcileBalances({ ...rest, venue, holdings: holdings(), at: now });
      report.findings.push(...report.balances.findings);
    }
  } catch (err) {
    if (!(err instanceof VenueDown)) {
      report.errors.push({ code: "RECONCILE_FAILED", message: err instanceof Error ? err.message : String(err) });
      logger.error({ err }, "reconciliation failed");
    }
  }
  report.ok = report.errors.length === 0;
  for (const finding of report.findings) logger.warn({ finding }, finding.message);
  if (report.ok) logger.info({ actions: report.actions.length, unknown: report.unknownVenueOrders.length, findings: report.findings.length }, "reconciliation complete");
  else logger.error({ errors: report.errors }, "reconciliation incomplete: trading must not start");
  return report;

  async function applyStatus(order: Order, update: VenueOrderUpdate): Promise<void> {
    const current = (await store.loadOrder(order.clientOrderId)) ?? order;
    const outcome = applyVenueUpdate(current, update, now);
    if (outcome.kind === "refused") {
      report.errors.push({ code: "ILLEGAL_TRANSITION", message: outcome.reason, clientOrderId: order.clientOrderId, symbol: order.symbol });
      return;
    }
    if (outcome.kind === "unchanged") return;
    await store.updateOrder(outcome.order);
    if (current.status !== outcome.order.status || current.filledQuantity !== outcome.order.filledQuantity) {
      report.actions.push({
        kind: "status_updated",
        clientOrderId: order.clientOrderId,
        symbol: order.symbol,
        detail: `${current.status} -> ${outcome.order.status}, filled ${outcome.order.filledQuantity} of ${outcome.order.quantity}`,
      });
    }
    options.events?.emit("order.updated", outcome.order);
  }

  async function setStatus(order: Order, status: OrderStatus, kind: ReconcileActionKind, why: string): Promise<void> {
    if (!canTransition(order.status, status)) {
      report.errors.push({ code: "ILLEGAL_TRANSITION", message: `cannot mark ${order.clientOrderId} ${status} from ${order.status}`, clientOrderId: order.clientOrderId });
      return;
    }
    const next: Order = { ...order, status, error: `reconciliation: ${why}`, updatedAt: Math.max(order.updatedAt, now) };
    await store.updateOrder(next);
    report.actions.push({ kind, clientOrderId: order.clientOrderId, symbol: order.symbol, detail: why });
    options.events?.emit("order.updated", next);
  }
}
