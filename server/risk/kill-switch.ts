import { AppError, errorMessage } from "../core/errors";
import { retry } from "../core/retry";
import { newId } from "../core/ids";
import type { PositionSide, TradingState } from "../model/types";
import { positionKey } from "../portfolio";
import type { KillSwitchBypass } from "./bypass";
import { realScheduler, withTimeout, type Scheduler } from "./scheduler";
import type { RiskEventSeverity } from "./types";

/**
 * The kill switch: one action that makes the account flat and keeps it that way.
 *  1. latch HALTED and persist it first (survives restarts; only a person's confirmed reset lifts it);
 *  2. cancel every open order on the venue;
 *  3. close every position with reduce-only market orders (they carry the run's bypass, the only
 *     thing the risk engine lets through while HALTED);
 *  4. poll the venue until it confirms no open orders and no positions, re-cancelling and re-closing
 *     what is left, with retries and backoff on venue errors, within a bounded time;
 * Fast path (a quarter second on the simulator): when the port can cancel one symbol's orders
 * (cancelOrdersOf), every symbol runs at once: its orders are cancelled (a venue's cancel-all per
 * symbol), then its positions closed, so a symbol's close never waits for another symbol's cancels
 * and never tries to sell coins a resting sell still locks. The confirmation polls quickly at first
 * (25 ms, doubling up to pollIntervalMs) and wakes at once when the port reports a venue change
 * (onVenueChange: the user-data stream); the venue's own listing (REST) is what confirms flat.
 *  5. report exactly what is left and why, and hand an audit record with timings to onAudit.
 * Bounded time: no new action starts after maxDurationMs; a call already under way near the
 * deadline gets at least 1 s, and the last confirmation listing at most callTimeoutMs, so a run
 * ends within maxDurationMs + 1 s + callTimeoutMs whatever the venue does.
 */

/** The venue as the kill switch sees it; implemented for live (ccxt), paper and ghost ledgers. */
export interface KillSwitchVenuePort {
  /** Cancel every open order of the account (all symbols); resolves with how many were cancelled. */
  cancelAllOrders(): Promise<{ cancelled: number }>;
  listOpenOrders(): Promise<KillSwitchOrder[]>;
  /**
   * Open positions with quantity > 0 (on spot: base balances the bot holds, dust excluded; on a live
   * futures account: the venue's perp positions, positionRisk's non-zero positionAmt, side from its
   * sign, quantity its absolute value). The confirmation is flat only when this lists nothing.
   */
  listPositions(): Promise<KillSwitchPosition[]>;
  /**
   * Send a reduce-only market order closing the position. The implementation passes
   * options.bypass to RiskEngine.evaluate({ killSwitchBypass }) so the close passes while HALTED.
   * Throws on a venue error or rejection (the kill switch retries).
   */
  closePosition(position: KillSwitchPosition, options: KillSwitchCloseOptions): Promise<KillSwitchCloseResult | void>;
  /**
   * Optional: cancel the open orders of one symbol (the venue's cancel-all for the symbol where it has
   * one, the orders in parallel otherwise). With it, the kill switch works every symbol at once.
   */
  cancelOrdersOf?(symbol: string): Promise<{ cancelled: number }>;
  /**
   * Optional: a run starts (the halt is latched, nothing sent yet). The port may send at once the
   * reads the run will need, ahead of the cancels (the live account reads the free balances its
   * closes size from here, once). Must not throw and must not wait: the run does not await it.
   */
  prepare?(): void;
  /** Optional: call `listener` whenever the venue pushes an order, fill or balance change; returns an unsubscribe. */
  onVenueChange?(listener: () => void): () => void;
}

export interface KillSwitchOrder {
  clientOrderId: string;
  symbol: string;
}

export interface KillSwitchPosition {
  symbol: string;
  side: PositionSide;
  quantity: number;
}

export interface KillSwitchCloseOptions {
  reduceOnly: true;
  bypass: KillSwitchBypass;
  /** Sentence for the order's reason field. */
  reason: string;
}

export interface KillSwitchCloseResult {
  clientOrderId?: string;
  filledQuantity?: number;
}

export interface KillSwitchOptions {
  /** Time allowed for all actions (default 60 s). */
  maxDurationMs?: number;
  /** Pause between confirmation rounds (default 1 s). */
  pollIntervalMs?: number;
  /** Limit for one venue call (default 10 s). */
  callTimeoutMs?: number;
  /** First retry delay after a failed call, doubled up to backoffMaxMs (defaults 250 ms, 4 s). */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  scheduler?: Scheduler;
  /** Live progress (a copy of the status after every change). Must not throw; errors are ignored. */
  onProgress?: (status: KillSwitchStatus) => void;
  /** Audit records of every kill-switch action; awaited; a failure is recorded, not thrown. */
  onAudit?: (record: KillSwitchAuditRecord) => void | Promise<void>;
  newRunId?: () => string;
}

export type KillSwitchPhase =
  | "idle"
  | "halting"
  | "cancelling_orders"
  | "closing_positions"
  | "confirming"
  | "completed"
  | "incomplete";

export type KillSwitchStep =
  | "persist_halt"
  | "cancel_all_orders"
  | "list_positions"
  | "close_position"
  | "list_open_orders"
  | "audit";

export interface KillSwitchError {
  at: number;
  step: KillSwitchStep;
  symbol?: string;
  attempt: number;
  message: string;
}

export interface KillSwitchRemaining {
  orders: { clientOrderId: string; symbol: string; reason: string }[];
  positions: { symbol: string; side: PositionSide; quantity: number; reason: string }[];
  /** false when the last venue listing failed: the items are the last known ones, not confirmed. */
  confirmed: boolean;
}

export interface KillSwitchStatus {
  runId: string | null;
  phase: KillSwitchPhase;
  actor: string | null;
  reason: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  haltPersisted: boolean;
  ordersCancelled: number;
  positionsFound: number;
  closeOrdersSent: number;
  /** Positions found at the start that the venue no longer reports. */
  positionsClosed: number;
  flatConfirmed: boolean;
  errors: KillSwitchError[];
  remaining: KillSwitchRemaining;
  phaseDurationsMs: Partial<Record<"halting" | "cancelling_orders" | "closing_positions" | "confirming", number>>;
}

export type KillSwitchAuditRecord =
  | ({ action: "kill_switch"; outcome: "flat" | "incomplete" } & KillSwitchStatus)
  | { action: "stop_new_entries"; actor: string; reason: string | null; at: number; state: TradingState }
  | { action: "reset"; actor: string; reason: string | null; at: number; state: TradingState; cleared: string[]; kept: string[] };

/** What the risk engine gives its one kill switch (see RiskEngine.createKillSwitch). */
export interface KillSwitchControl {
  now(): number;
  latchHalted(args: { actor: string; reason: string; at: number }): Promise<void>;
  beginBypass(runId: string): KillSwitchBypass;
  endBypass(): void;
  stopNewEntries(args: { actor: string; reason?: string }): Promise<TradingState>;
  reset(args: { confirm: boolean; actor: string; reason?: string }): Promise<{ state: TradingState; cleared: string[]; kept: { id: string }[] }>;
  publish(code: string, severity: RiskEventSeverity, message: string, data: Record<string, unknown>, at: number): void;
}

type CallResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Venue-wide positions: one per symbol and side, no strategy instance. */
const keyOf = (p: { symbol: string; side: PositionSide }) => positionKey(p.symbol, undefined, p.side);

function idleStatus(): KillSwitchStatus {
  return {
    runId: null,
    phase: "idle",
    actor: null,
    reason: null,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    haltPersisted: false,
    ordersCancelled: 0,
    positionsFound: 0,
    closeOrdersSent: 0,
    positionsClosed: 0,
    flatConfirmed: false,
    errors: [],
    remaining: { orders: [], positions: [], confirmed: false },
    phaseDurationsMs: {},
  };
}

export class KillSwitch {
  readonly #control: KillSwitchControl;
  readonly #port: KillSwitchVenuePort;
  readonly #scheduler: Scheduler;
  readonly #opts: Required<Omit<KillSwitchOptions, "scheduler" | "onProgress" | "onAudit" | "newRunId">>;
  readonly #onProgress: KillSwitchOptions["onProgress"];
  readonly #onAudit: KillSwitchOptions["onAudit"];
  readonly #newRunId: () => string;
  #status: KillSwitchStatus = idleStatus();
  #running: Promise<KillSwitchStatus> | null = null;

  /** Use RiskEngine.createKillSwitch: a kill switch built any other way holds no valid authority. */
  constructor(control: KillSwitchControl, port: KillSwitchVenuePort, options: KillSwitchOptions = {}) {
    this.#control = control;
    this.#port = port;
    this.#scheduler = options.scheduler ?? realScheduler({ now: () => control.now() });
    this.#opts = {
      maxDurationMs: positive(options.maxDurationMs, 60_000, "maxDurationMs"),
      pollIntervalMs: positive(options.pollIntervalMs, 1_000, "pollIntervalMs"),
      callTimeoutMs: positive(options.callTimeoutMs, 10_000, "callTimeoutMs"),
      backoffInitialMs: positive(options.backoffInitialMs, 250, "backoffInitialMs"),
      backoffMaxMs: positive(options.backoffMaxMs, 4_000, "backoffMaxMs"),
    };
    this.#onProgress = options.onProgress;
    this.#onAudit = options.onAudit;
    this.#newRunId = options.newRunId ?? (() => newId("ks_"));
  }

  /** A copy of the current (or last) run's status. */
  get status(): KillSwitchStatus {
    return structuredClone(this.#status);
  }

  get running(): boolean {
    return this.#running !== null;
  }

  /** Run the kill switch. A second call during a run joins it. Never rejects: the status tells the outcome. */
  trigger(args: { actor: string; reason: string }): Promise<KillSwitchStatus> {
    if (this.#running) return this.#running;
    this.#running = this.#run(args)
      .catch((err: unknown) => {
        // Only a defect can land here (every venue call is caught); report it rather than reject.
        this.#control.endBypass();
        this.#recordError("audit", 1, `kill switch aborted: ${errorMessage(err)}`);
        const now = this.#scheduler.now();
        this.#status.phase = "incomplete";
        this.#status.finishedAt = now;
        this.#status.durationMs = this.#status.startedAt === null ? null : now - this.#status.startedAt;
        this.#progress();
        return structuredClone(this.#status);
      })
      .finally(() => {
        this.#running = null;
      });
    return this.#running;
  }

  /** The lighter action: REDUCING (no new entries, exits still go out) until a person resets. */
  async stopNewEntries(args: { actor: string; reason?: string }): Promise<TradingState> {
    const state = await this.#control.stopNewEntries(args);
    await this.#audit({ action: "stop_new_entries", actor: args.actor, reason: args.reason ?? null, at: this.#control.now(), state });
    return state;
  }

  /** Lift the HALTED latch (and every other person-resettable latch). Needs { confirm: true }. */
  async reset(args: { confirm: boolean; actor: string; reason?: string }): Promise<{ state: TradingState; cleared: string[]; kept: string[] }> {
    if (args?.confirm !== true) {
      throw new AppError("CONFIRMATION_REQUIRED", "resetting the kill switch needs an explicit confirmation ({ confirm: true })", 400);
    }
    if (this.#running) throw new AppError("KILL_SWITCH_RUNNING", "the kill switch is still running; reset after it reports its outcome", 409);
    const result = await this.#control.reset(args);
    const kept = result.kept.map((l) => l.id);
    const at = this.#control.now();
    this.#control.publish("KILL_SWITCH_RESET", "warning", `kill switch reset by ${args.actor}: trading is ${result.state}`, { actor: args.actor, cleared: result.cleared, kept }, at);
    await this.#audit({ action: "reset", actor: args.actor, reason: args.reason ?? null, at, state: result.state, cleared: result.cleared, kept });
    return { state: result.state, cleared: result.cleared, kept };
  }

  async #run(args: { actor: string; reason: string }): Promise<KillSwitchStatus> {
    const s = this.#scheduler;
    const startedAt = s.now();
    const deadline = startedAt + this.#opts.maxDurationMs;
    const runId = this.#newRunId();
    this.#status = { ...idleStatus(), runId, phase: "halting", actor: args.actor, reason: args.reason, startedAt };
    this.#control.publish("KILL_SWITCH_TRIGGERED", "critical", `kill switch triggered by ${args.actor}: ${args.reason}`, { runId, actor: args.actor }, startedAt);
    this.#progress();

    // 1. Latch HALTED, persisted first. A failed save is recorded but does not stop the flattening:
    //    the in-memory latch already blocks every new order.
    let phaseStart = s.now();
    try {
      await this.#control.latchHalted({ actor: args.actor, reason: args.reason, at: startedAt });
      this.#status.haltPersisted = true;
    } catch (err) {
      this.#recordError("persist_halt", 1, errorMessage(err));
    }
    this.#endPhase("halting", phaseStart);

    const bypass = this.#control.beginBypass(runId);
    try {
      this.#port.prepare?.();
    } catch (err) {
      this.#recordError("list_positions", 1, `preparing the run failed: ${errorMessage(err)}`);
    }
    const lastCloseError = new Map<string, string>();
    const closeSent = new Set<string>();
    let lastCancelError: string | null = null;
    const closeReason = `kill switch by ${args.actor}: ${args.reason}`;
    try {
      let initialPositions: KillSwitchPosition[] = [];
      let listed: CallResult<KillSwitchPosition[]>;
      const closeDeadline = startedAt + this.#opts.maxDurationMs * 0.6;
      const closeOne = async (p: KillSwitchPosition) => {
        const closed = await this.#withRetry("close_position", p.symbol, closeDeadline, () => this.#port.closePosition(p, { reduceOnly: true, bypass, reason: closeReason }));
        if (closed.ok) {
          closeSent.add(keyOf(p));
          lastCloseError.delete(keyOf(p));
          this.#status.closeOrdersSent += 1;
          this.#progress();
        } else lastCloseError.set(keyOf(p), closed.error);
      };
      const cancelOrdersOf = this.#port.cancelOrdersOf?.bind(this.#port);
      if (cancelOrdersOf) {
        // 2+3, every symbol at once: cancel its orders, then close its positions. The symbols with a
        // position start at once (their cancel-all does not wait for the venue's order listing; one
        // with no order costs a request that cancels nothing); symbols the listing adds follow.
        phaseStart = this.#phase("cancelling_orders");
        const cancelDeadline = startedAt + this.#opts.maxDurationMs * 0.25;
        const listingOrders = this.#withRetry("list_open_orders", undefined, cancelDeadline, () => this.#port.listOpenOrders());
        const positions = await this.#withRetry("list_positions", undefined, closeDeadline, () => this.#port.listPositions());
        listed = positions;
        if (positions.ok) {
          initialPositions = openPositions(positions.value);
          this.#status.positionsFound = initialPositions.length;
        }
        this.#progress();
        // Phases overlap across symbols: cancelling ends with the last symbol's cancels, closing with its closes.
        const started = new Set<string>();
        const running: Promise<void>[] = [];
        let cancelling = 0;
        let listingDone = false;
        let closingStart: number | null = null;
        const cancelsDone = () => {
          if (closingStart !== null || cancelling > 0 || !listingDone) return;
          this.#endPhase("cancelling_orders", phaseStart);
          closingStart = this.#phase("closing_positions");
        };
        const launch = (symbol: string) => {
          if (started.has(symbol)) return;
          started.add(symbol);
          cancelling += 1;
          running.push(
            (async () => {
              const cancel = await this.#withRetry("cancel_all_orders", symbol, cancelDeadline, () => cancelOrdersOf(symbol));
              if (cancel.ok) this.#status.ordersCancelled += countOf(cancel.value);
              else lastCancelError = cancel.error;
              cancelling -= 1;
              cancelsDone();
              await Promise.all(initialPositions.filter((p) => p.symbol === symbol).map(closeOne));
            })(),
          );
        };
        for (const p of initialPositions) launch(p.symbol);
        const orders = await listingOrders;
        listingDone = true;
        if (orders.ok) for (const o of orders.value) launch(o.symbol);
        else lastCancelError = orders.error;
        cancelsDone();
        await Promise.all(running);
        this.#endPhase("closing_positions", closingStart ?? s.now());
        if (!orders.ok) {
          // The venue could not list the orders: cancel everything the slow way.
          const all = await this.#withRetry("cancel_all_orders", undefined, cancelDeadline, () => this.#port.cancelAllOrders());
          if (all.ok) this.#status.ordersCancelled += countOf(all.value);
        }
      } else {
        // 2. Cancel every open order. A quarter of the time at most, so a failing cancel cannot starve the closes.
        phaseStart = this.#phase("cancelling_orders");
        const cancel = await this.#withRetry("cancel_all_orders", undefined, startedAt + this.#opts.maxDurationMs * 0.25, () => this.#port.cancelAllOrders());
        if (cancel.ok) this.#status.ordersCancelled += countOf(cancel.value);
        else lastCancelError = cancel.error;
        this.#endPhase("cancelling_orders", phaseStart);

        // 3. Close every position, all at once, each retried with backoff.
        phaseStart = this.#phase("closing_positions");
        listed = await this.#withRetry("list_positions", undefined, closeDeadline, () => this.#port.listPositions());
        if (listed.ok) {
          initialPositions = openPositions(listed.value);
          this.#status.positionsFound = initialPositions.length;
          this.#progress();
          await Promise.all(initialPositions.map(closeOne));
        }
        this.#endPhase("closing_positions", phaseStart);
      }

      // 4. Confirm flat; re-cancel and re-close what is left until the deadline.
      phaseStart = this.#phase("confirming");
      let lastOrders: KillSwitchOrder[] | null = null;
      let lastPositions: KillSwitchPosition[] | null = listed.ok ? initialPositions : null;
      let confirmed = false;
      let round = 0;
      for (;;) {
        round += 1;
        const [orders, positions] = await Promise.all([
          this.#call("list_open_orders", undefined, round, this.#opts.callTimeoutMs, () => this.#port.listOpenOrders()),
          this.#call("list_positions", undefined, round, this.#opts.callTimeoutMs, () => this.#port.listPositions()),
        ]);
        confirmed = orders.ok && positions.ok;
        if (orders.ok) lastOrders = orders.value;
        if (positions.ok) lastPositions = openPositions(positions.value);
        if (confirmed && lastOrders!.length === 0 && lastPositions!.length === 0) {
          this.#status.flatConfirmed = true;
          break;
        }
        if (s.now() >= deadline) break;
        if (orders.ok && orders.value.length > 0) {
          const again = await this.#call("cancel_all_orders", undefined, round + 1, this.#callBudget(deadline), () => this.#port.cancelAllOrders());
          if (again.ok) this.#status.ordersCancelled += countOf(again.value);
          else lastCancelError = again.error;
        }
        if (positions.ok) {
          await Promise.all(
            openPositions(positions.value).map(async (p) => {
              const key = keyOf(p);
              const closed = await this.#call("close_position", p.symbol, round + 1, this.#callBudget(deadline), () =>
                this.#port.closePosition(p, { reduceOnly: true, bypass, reason: closeReason }),
              );
              if (closed.ok) {
                closeSent.add(key);
                lastCloseError.delete(key);
                this.#status.closeOrdersSent += 1;
              } else lastCloseError.set(key, closed.error);
            }),
          );
        }
        this.#progress();
        const left = deadline - s.now();
        // Quick at first (the closes are usually done within milliseconds), then every pollIntervalMs;
        // a change the venue pushes ends the pause at once.
        if (left > 0) await this.#pause(Math.min(this.#opts.pollIntervalMs, 25 * 2 ** (round - 1), left));
      }
      this.#endPhase("confirming", phaseStart);

      // 5. What is left, and why.
      const stillListed = new Set((lastPositions ?? []).map(keyOf));
      this.#status.positionsClosed = lastPositions === null ? 0 : initialPositions.filter((p) => !stillListed.has(keyOf(p))).length;
      const unconfirmed = confirmed ? "" : "unconfirmed (the venue could not be listed at the end): ";
      this.#status.remaining = {
        confirmed,
        orders: (lastOrders ?? []).map((o) => ({
          clientOrderId: o.clientOrderId,
          symbol: o.symbol,
          reason: unconfirmed + (lastCancelError ? `cancel failed: ${lastCancelError}` : "the venue still lists it after cancel-all"),
        })),
        positions: (lastPositions ?? []).map((p) => {
          const key = keyOf(p);
          const err = lastCloseError.get(key);
          const why = err
            ? `close failed: ${err}`
            : closeSent.has(key)
              ? "close order sent but the venue still reports the position"
              : "no close could be sent before the time limit";
          return { symbol: p.symbol, side: p.side, quantity: p.quantity, reason: unconfirmed + why };
        }),
      };
      if (lastOrders === null && lastPositions === null) {
        this.#status.remaining.positions = [];
        this.#status.remaining.orders = [];
      }
    } finally {
      this.#control.endBypass();
    }

    const finishedAt = s.now();
    this.#status.finishedAt = finishedAt;
    this.#status.durationMs = finishedAt - startedAt;
    this.#status.phase = this.#status.flatConfirmed ? "completed" : "incomplete";
    this.#progress();
    const st = this.#status;
    if (st.flatConfirmed) {
      this.#control.publish(
        "KILL_SWITCH_FLAT",
        "warning",
        `kill switch done in ${st.durationMs} ms: ${st.ordersCancelled} orders cancelled, ${st.positionsClosed} positions closed, venue confirms flat; trading HALTED until reset`,
        { runId, durationMs: st.durationMs, ordersCancelled: st.ordersCancelled, positionsClosed: st.positionsClosed, errors: st.errors.length },
        finishedAt,
      );
    } else {
      const left = [
        ...st.remaining.positions.map((p) => `${p.side} ${p.quantity} ${p.symbol} (${p.reason})`),
        ...st.remaining.orders.map((o) => `order ${o.clientOrderId} ${o.symbol} (${o.reason})`),
      ];
      this.#control.publish(
        "KILL_SWITCH_INCOMPLETE",
        "critical",
        `kill switch could not confirm flat after ${st.durationMs} ms; left: ${left.length > 0 ? left.join("; ") : "unknown (the venue could not be listed)"}`,
        { runId, durationMs: st.durationMs, remaining: st.remaining, errors: st.errors.length },
        finishedAt,
      );
    }
    await this.#audit({ action: "kill_switch", outcome: st.flatConfirmed ? "flat" : "incomplete", ...structuredClone(st) });
    return structuredClone(this.#status);
  }

  /** Sleep on the scheduler, ended early by a venue change the port pushes. */
  async #pause(ms: number): Promise<void> {
    const subscribe = this.#port.onVenueChange?.bind(this.#port);
    if (!subscribe) return this.#scheduler.sleep(ms);
    let unsubscribe: (() => void) | undefined;
    const changed = new Promise<void>((resolve) => {
      unsubscribe = subscribe(() => resolve());
    });
    try {
      await Promise.race([this.#scheduler.sleep(ms), changed]);
    } finally {
      unsubscribe?.();
    }
  }

  /** Retry with exponential backoff until success or the deadline (at least one attempt): core/retry.ts. */
  async #withRetry<T>(step: KillSwitchStep, symbol: string | undefined, deadline: number, fn: () => Promise<T>): Promise<CallResult<T>> {
    const left = () => deadline - this.#scheduler.now();
    let failed: CallResult<T> | undefined;
    try {
      return await retry(
        async (attempt) => {
          const result = await this.#call(step, symbol, attempt, this.#callBudget(deadline), fn);
          if (!result.ok) throw (failed = result);
          return result;
        },
        {
          policy: { attempts: Number.POSITIVE_INFINITY, baseDelayMs: this.#opts.backoffInitialMs, maxDelayMs: this.#opts.backoffMaxMs },
          sleep: (ms) => this.#scheduler.sleep(ms),
          shouldRetry: () => left() > 0,
          delay: (ms) => Math.min(ms, left()),
        },
      );
    } catch (err) {
      if (failed && err === failed) return failed;
      throw err;
    }
  }

  /** A call's time limit: callTimeoutMs, shortened near the deadline (but never below 1 s, so it can succeed). */
  #callBudget(deadline: number): number {
    return Math.min(this.#opts.callTimeoutMs, Math.max(1_000, deadline - this.#scheduler.now()));
  }

  async #call<T>(step: KillSwitchStep, symbol: string | undefined, attempt: number, timeoutMs: number, fn: () => Promise<T>): Promise<CallResult<T>> {
    try {
      const label = symbol ? `${step} ${symbol}` : step;
      return { ok: true, value: await withTimeout(fn, timeoutMs, this.#scheduler, label) };
    } catch (err) {
      const message = errorMessage(err);
      this.#recordError(step, attempt, message, symbol);
      return { ok: false, error: message };
    }
  }

  #recordError(step: KillSwitchStep, attempt: number, message: string, symbol?: string): void {
    this.#status.errors.push({ at: this.#scheduler.now(), step, attempt, message, ...(symbol ? { symbol } : {}) });
    this.#progress();
  }

  #phase(phase: KillSwitchPhase): number {
    this.#status.phase = phase;
    this.#progress();
    return this.#scheduler.now();
  }

  #endPhase(phase: keyof KillSwitchStatus["phaseDurationsMs"], startedAt: number): void {
    this.#status.phaseDurationsMs[phase] = this.#scheduler.now() - startedAt;
  }

  #progress(): void {
    if (!this.#onProgress) return;
    try {
      this.#onProgress(structuredClone(this.#status));
    } catch {
      // A broken progress listener must never stop the kill switch.
    }
  }

  async #audit(record: KillSwitchAuditRecord): Promise<void> {
    if (!this.#onAudit) return;
    try {
      await this.#onAudit(record);
    } catch (err) {
      if (record.action === "kill_switch") this.#status.errors.push({ at: this.#scheduler.now(), step: "audit", attempt: 1, message: errorMessage(err) });
      this.#control.publish("KILL_SWITCH_AUDIT_FAILED", "critical", `kill switch audit record could not be written: ${errorMessage(err)}`, { action: record.action }, this.#control.now());
    }
  }
}

function openPositions(list: KillSwitchPosition[]): KillSwitchPosition[] {
  return list.filter((p) => Number.isFinite(p.quantity) && p.quantity > 0);
}

function countOf(result: { cancelled: number } | undefined): number {
  const n = result?.cancelled;
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : 0;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new AppError("INVALID_OPTION", `kill switch option ${name} must be a positive number of ms, got ${value}`, 400);
  return value;
}
