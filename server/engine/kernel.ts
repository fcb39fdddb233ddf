import type { Clock } from "../core/clock";
import type { EventBus } from "../core/event-bus";
import { AppError, errorMessage } from "../core/errors";
import type { Logger } from "../core/logger";
import type { RiskLimits } from "../config/risk-limits";
import type { Candle, Instrument, KernelMode, OrderBook, Side, Signal, Timeframe } from "../model/types";
import type { CandleContext, Strategy } from "../strategy";
import type { TradingAccount, SubmitResult } from "./account";
import type { EngineEvents, KernelKillSwitchStatus, SignalExecution } from "./events";
import { confidenceReason, sizeEntry } from "./sizing";
import type { ExitAlarm } from "./exit-guard";
import { floorToStep, roundToTick } from "../core/decimal";
import { lteQty } from "../core/quantity";
import type { NewOrder } from "../execution";
import type { LedgerPosition } from "../portfolio";

/**
 * The trading kernel: one pipeline for every mode. Closed candles go to the accounts (fills, protective
 * exits, marks) and to the strategies subscribed to them; signals become orders through the active
 * account's risk engine. Backtest, ghost, paper and live differ only in the clock and the account's
 * venue, which the caller supplies (the app's composition root server/app.ts, server/backtest/engine.ts for runs).
 *
 * Mode rule: each mode has its own account (ledger, P&L). New entries go to the active mode's account.
 * Positions stay in the account that opened them after a mode switch: their stops, targets and the
 * strategy's exit signals keep managing them until they close, so a switch never orphans a position
 * and never closes one by surprise. The kill switch acts on every account at once.
 */

export interface StrategyInstanceInfo {
  id: string;
  name: string;
  kind: string;
  /** Capital budget in quote currency attributed to this instance. */
  capital: number;
  /** A trading session's own rules (see sessions.ts), on top of the account's risk limits. */
  session?: { id: string; maxPositionQuote: number; maxOpenPositions: number; stopLossPct: number; takeProfitPct: number };
}

interface StrategyRunner {
  info: StrategyInstanceInfo;
  strategy: Strategy;
  paused: boolean;
  /**
   * Still warming up (its history is incomplete): it gets warm-up candles (`warm`) but no closed
   * candle (`onCandle`), so it never acts on a partial warm-up. See StrategyFactory.
   */
  warming: boolean;
  /** subscription keys "symbol|timeframe" */
  keys: Set<string>;
}

export interface KernelOptions {
  mode: KernelMode;
  clock: Clock;
  bus: EventBus<EngineEvents>;
  logger: Logger;
  accounts: TradingAccount[];
  limits: Readonly<RiskLimits>;
  instruments: ReadonlyMap<string, Instrument>;
  /** The finest timeframe: its closed candles drive fills, exits and marks. Default "1m". */
  baseTimeframe?: Timeframe;
  /** Allow strategies' short entries (spot venues: false). */
  allowShort?: boolean;
  /** Adds context (regime, indicator consensus, model view) to a signal's reason before it is acted on. */
  enrichSignal?: (signal: Signal) => Signal;
}

const subscriptionKey = (symbol: string, timeframe: string) => `${symbol}|${timeframe}`;

/** A person's order from the dashboard or the API (POST /api/orders). */
export interface ManualOrderInput {
  symbol: string;
  side: Side;
  type: "market" | "limit";
  quantity: number;
  price?: number;
  stopLoss?: number;
  takeProfit?: number;
  actor: string;
}

export class TradingKernel {
  private currentMode: KernelMode;
  readonly accounts = new Map<KernelMode, TradingAccount>();
  private readonly runners = new Map<string, StrategyRunner>();
  private readonly clock: Clock;
  private readonly bus: EventBus<EngineEvents>;
  private readonly logger: Logger;
  private readonly limits: Readonly<RiskLimits>;
  private readonly instruments: ReadonlyMap<string, Instrument>;
  private readonly baseTimeframe: Timeframe;
  private readonly allowShort: boolean;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly keys = new Map<string, Map<Timeframe, string>>();
  private killSwitchAction: KernelKillSwitchStatus["action"] = null;
  /** Wall-clock times: a trader wants to know how long flattening really took, whatever the market clock. */
  private killSwitchStartedAt: number | null = null;
  private killSwitchFinishedAt: number | null = null;
  /** Reused per call: strategies must not keep it (see CandleContext). */
  private readonly candleContext: { now: number; position: CandleContext["position"]; entryPrice: number | undefined } = {
    now: 0,
    position: "none",
    entryPrice: undefined,
  };
  readonly stats = { candles: 0, signals: 0, orders: 0, denials: 0 };
  private readonly enrichSignal: ((signal: Signal) => Signal) | undefined;
  /**
   * "symbol|instance" of the paper positions opened in the shadow of live (see shadowEntry): the
   * strategy's view of its position is live's, so a paper twin never holds back a live entry.
   */
  private readonly shadowPositions = new Set<string>();

  constructor(options: KernelOptions) {
    this.currentMode = options.mode;
    this.clock = options.clock;
    this.bus = options.bus;
    this.logger = options.logger;
    this.limits = options.limits;
    this.instruments = options.instruments;
    this.baseTimeframe = options.baseTimeframe ?? "1m";
    this.allowShort = options.allowShort ?? false;
    this.enrichSignal = options.enrichSignal;
    for (const account of options.accounts) this.accounts.set(account.mode, account);
    if (!this.accounts.has(this.currentMode)) throw new AppError("NO_ACCOUNT", `no account for mode ${this.currentMode}`, 500);
  }

  get mode(): KernelMode {
    return this.currentMode;
  }

  get activeAccount(): TradingAccount {
    return this.accounts.get(this.currentMode)!;
  }

  addAccount(account: TradingAccount): void {
    this.accounts.set(account.mode, account);
  }

  setMode(mode: KernelMode): void {
    if (!this.accounts.has(mode)) throw new AppError("MODE_UNAVAILABLE", `mode ${mode} has no account: it is not configured`, 409);
    const previous = this.currentMode;
    if (previous === mode) return;
    this.currentMode = mode;
    this.bus.emit("mode:changed", { mode, previous });
  }

  // ---- strategies ----

  /** `warming`: the instance gets no closed candle until `setStrategyWarming(id, false)`. */
  addStrategy(info: StrategyInstanceInfo, strategy: Strategy, paused = false, warming = false): void {
    const keys = new Set(strategy.subscriptions.map((s) => subscriptionKey(s.symbol, s.timeframe)));
    this.runners.set(info.id, { info, strategy, paused, warming, keys });
  }

  setStrategyWarming(id: string, warming: boolean): void {
    const runner = this.runners.get(id);
    if (runner) runner.warming = warming;
  }

  /** True while an instance's warm-up is incomplete (it receives no closed candle yet). */
  strategyWarming(id: string): boolean {
    return this.runners.get(id)?.warming ?? false;
  }

  removeStrategy(id: string): void {
    this.runners.delete(id);
  }

  setStrategyPaused(id: string, paused: boolean): void {
    const runner = this.runners.get(id);
    if (runner) runner.paused = paused;
  }

  strategy(id: string): { info: StrategyInstanceInfo; strategy: Strategy; paused: boolean } | undefined {
    return this.runners.get(id);
  }

  strategyIds(): string[] {
    return [...this.runners.keys()];
  }

  /** Feed history to strategies without trading (warm-up). */
  warm(candle: Candle): void {
    if (candle.timeframe === this.baseTimeframe) for (const account of this.accounts.values()) account.markHistory(candle);
    const key = this.keyOf(candle.symbol, candle.timeframe);
    for (const runner of this.runners.values()) {
      if (runner.keys.has(key)) runner.strategy.warm(candle);
    }
  }

  // ---- market data ----

  /**
   * A closed candle. Returns a promise only when it started order work, so a backtest loop can skip
   * the await on the (vast) majority of candles.
   */
  onCandle(candle: Candle): Promise<void> | undefined {
    this.stats.candles += 1;
    if (candle.timeframe === this.baseTimeframe) {
      for (const account of this.accounts.values()) account.onCandle(candle);
    }
    const key = this.keyOf(candle.symbol, candle.timeframe);
    let work: Promise<unknown>[] | undefined;
    for (const runner of this.runners.values()) {
      if (runner.paused || runner.warming || !runner.keys.has(key)) continue;
      const signals = this.runStrategy(runner, candle);
      for (let i = 0; i < signals.length; i++) {
        (work ??= []).push(this.track(this.handleSignal(runner, signals[i])));
      }
    }
    // A protective exit the account started on this candle is order work too: the caller must let it
    // finish before the next candle moves the (simulated) market.
    if (!work) return this.pending.size || this.accountsBusy() ? this.idle() : undefined;
    return Promise.all(work).then(() => this.idle());
  }

  private accountsBusy(): boolean {
    for (const account of this.accounts.values()) if (account.busy) return true;
    return false;
  }

  /** subscriptionKey, remembered per symbol and timeframe: no string is built per candle. */
  private keyOf(symbol: string, timeframe: Timeframe): string {
    let byTimeframe = this.keys.get(symbol);
    if (!byTimeframe) this.keys.set(symbol, (byTimeframe = new Map()));
    let key = byTimeframe.get(timeframe);
    if (key === undefined) byTimeframe.set(timeframe, (key = subscriptionKey(symbol, timeframe)));
    return key;
  }

  onPrice(symbol: string, price: number, timestamp: number): void {
    for (const account of this.accounts.values()) account.onPrice(symbol, price, timestamp);
  }

  onOrderBook(book: OrderBook): void {
    for (const account of this.accounts.values()) account.onOrderBook(book);
  }

  private runStrategy(runner: StrategyRunner, candle: Candle): readonly Signal[] {
    const account = this.activeAccount;
    const position = account.hasPosition(candle.symbol, runner.info.id);
    const ctx = this.candleContext;
    ctx.now = this.clock.now();
    if (position) {
      ctx.position = position.side;
      ctx.entryPrice = position.avgEntryPrice;
    } else {
      // Exits still matter for positions another mode opened before a switch.
      const elsewhere = this.positionInAnyAccount(candle.symbol, runner.info.id, true);
      ctx.position = elsewhere ? elsewhere.side : account.entryInFlight(candle.symbol, runner.info.id) ? "long" : "none";
      ctx.entryPrice = elsewhere?.avgEntryPrice;
    }
    try {
      return runner.strategy.onCandle(candle, ctx);
    } catch (err) {
      // The strategy layer's safe wrapper normally catches this; a strategy without it must not stop the loop.
      this.bus.emit("strategy:error", { instanceId: runner.info.id, kind: runner.info.kind, symbol: candle.symbol, message: errorMessage(err), at: ctx.now });
      return [];
    }
  }

  private positionInAnyAccount(symbol: string, instanceId: string, skipShadow = false) {
    for (const account of this.accounts.values()) {
      if (skipShadow && this.isShadow(account) && this.shadowPositions.size) {
        const key = subscriptionKey(symbol, instanceId);
        if (this.shadowPositions.has(key)) {
          if (account.hasPosition(symbol, instanceId) || account.entryInFlight(symbol, instanceId)) continue;
          this.shadowPositions.delete(key);
        }
      }
      const position = account.hasPosition(symbol, instanceId);
      if (position) return position;
    }
    return undefined;
  }

  private async handleSignal(runner: StrategyRunner, raw: Signal): Promise<void> {
    this.stats.signals += 1;
    let signal = raw;
    if (this.enrichSignal) {
      try {
        signal = this.enrichSignal(raw);
      } catch (err) {
        this.logger.warn({ err }, "signal enrichment failed; the strategy's own reason is kept");
      }
    }
    const mode = this.currentMode;
    // Two copies of the signal per signal: only when someone listens (a backtest does not).
    if (this.bus.hasListeners("signal")) this.bus.emit("signal", { ...signal, mode, execution: null });
    let execution: SignalExecution;
    try {
      execution = signal.action === "enter_long" || signal.action === "enter_short" ? await this.enter(runner, signal) : await this.exit(runner, signal);
    } catch (err) {
      this.logger.error({ err, signal: signal.id }, "acting on a signal failed");
      this.bus.emit("warning", { code: "SIGNAL_FAILED", message: `signal ${signal.id}: ${errorMessage(err)}`, mode: this.currentMode, at: this.clock.now() });
      execution = { status: "blocked", code: err instanceof AppError ? err.code : "SIGNAL_FAILED", message: `acting on the signal failed: ${errorMessage(err)}`, clientOrderId: null };
    }
    // The same signal again, now with what became of it (docs/api.md, "signals.execution").
    if (this.bus.hasListeners("signal")) this.bus.emit("signal", { ...signal, mode, execution });
  }

  /** What an order attempt means for its signal: sent, refused by risk (or held back), or nothing to send. */
  private executionOf(result: SubmitResult, account: TradingAccount): SignalExecution {
    const { decision, order } = result;
    if (!decision.allowed) return { status: "blocked", code: decision.code, message: decision.message, clientOrderId: null };
    if (!order) {
      const message = result.dust ? `nothing to sell: ${result.dust.reason}` : decision.message;
      return { status: "skipped", code: decision.code, message, clientOrderId: null };
    }
    if (account.venueKind === "ghost") {
      return { status: "skipped", code: "GHOST_MODE", message: `ghost mode: the ${order.side} of ${order.quantity} ${order.symbol} was booked on the ghost ledger only; nothing was sent to a venue`, clientOrderId: order.clientOrderId };
    }
    const outcome = order.status === "rejected" ? `, rejected by the venue: ${order.error ?? "no reason given"}` : ` (${order.status})`;
    return { status: "executed", code: null, message: `${order.intent} ${order.side} ${order.quantity} ${order.symbol} sent to ${account.mode}${outcome}`, clientOrderId: order.clientOrderId };
  }

  private skipped(code: string, message: string): SignalExecution {
    return { status: "skipped", code, message, clientOrderId: null };
  }

  /** Paper runs in the shadow of live: the paper account books the live account's signals too. */
  private isShadow(account: TradingAccount): boolean {
    return this.currentMode === "live" && account.mode === "paper" && this.accounts.get("live") !== account;
  }

  /**
   * Book a live entry on the paper ledger too (its own risk engine, its own ledger), so the drift
   * panel has a paper twin with the same signal id for every live entry. Started only once the live
   * order was sent, never awaited by the live path, every failure logged and swallowed. Sized by the
   * paper account itself (its equity and limits), with the same signal levels and confidence.
   */
  private shadowEntry(runner: StrategyRunner, signal: Signal, side: Side): void {
    const paper = this.accounts.get("paper");
    if (!paper || !this.isShadow(paper)) return;
    if (paper.hasPosition(signal.symbol, runner.info.id) || paper.entryInFlight(signal.symbol, runner.info.id)) return;
    const key = subscriptionKey(signal.symbol, runner.info.id);
    this.shadowPositions.add(key);
    let request: ReturnType<TradingKernel["entryRequest"]>;
    try {
      request = this.entryRequest(paper, runner, signal, side);
    } catch (err) {
      this.logger.warn({ err, signal: signal.id }, "paper shadow entry not sized (live is not affected)");
      return;
    }
    // Called directly (no deferral): the paper entry is "in flight" at once, so a paper twin is never mistaken for a position of another mode.
    const work = paper
      .submit({ ...request, reason: `${request.reason} [paper shadow of live]` })
      .then((result) => {
        if (!result.decision.allowed) this.logger.info({ signal: signal.id, code: result.decision.code, message: result.decision.message }, "paper shadow entry refused by the paper account's risk");
      })
      .catch((err) => this.logger.warn({ err, signal: signal.id }, "paper shadow entry failed (live is not affected)"));
    this.track(work);
  }

  private shadowExit(account: TradingAccount, position: Parameters<TradingAccount["closePosition"]>[0], signal: Signal): void {
    const work = account
      .closePosition(position, { exitReason: "signal", reason: `${signal.reason} [paper shadow of live]`, signalId: signal.id })
      .then((result) => {
        if (!result.decision.allowed) this.logger.info({ signal: signal.id, code: result.decision.code }, "paper shadow exit refused");
      })
      .catch((err) => this.logger.warn({ err, signal: signal.id }, "paper shadow exit failed (live is not affected)"));
    this.track(work);
  }

  /** signal.data.confidence (the SDK's `confidence` option lands there), 0..1; an invalid one sizes as low, with a warning. */
  private confidenceOf(signal: Signal): number | undefined {
    const raw = signal.data?.confidence;
    if (raw === undefined) return undefined;
    const value = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
    if (Number.isFinite(value) && value >= 0 && value <= 1) return value;
    this.bus.emit("warning", { code: "SIGNAL_CONFIDENCE_INVALID", message: `signal ${signal.id}: confidence ${String(raw)} is not a number from 0 to 1; sized as low confidence`, mode: this.currentMode, at: this.clock.now() });
    return 0;
  }

  private async enter(runner: StrategyRunner, signal: Signal): Promise<SignalExecution> {
    const account = this.activeAccount;
    const side: Side = signal.action === "enter_long" ? "buy" : "sell";
    if (side === "sell" && !this.allowShort) return this.skipped("SHORTS_DISABLED", `short entries are off on this venue (spot): no ${signal.symbol} short opened`);
    if (account.hasPosition(signal.symbol, runner.info.id)) return this.skipped("POSITION_OPEN", `${runner.info.name} already holds ${signal.symbol} in ${account.mode}: one position per strategy and symbol`);
    if (account.entryInFlight(signal.symbol, runner.info.id)) return this.skipped("ENTRY_IN_FLIGHT", `an entry of ${runner.info.name} in ${signal.symbol} is already working in ${account.mode}`);
    const session = runner.info.session;
    if (session && account.ledger.positions().filter((p) => p.sessionId === session.id).length >= session.maxOpenPositions) {
      const message = `session ${session.id}: ${session.maxOpenPositions} positions already open; ${signal.symbol} entry skipped`;
      this.bus.emit("warning", { code: "SESSION_MAX_OPEN", message, mode: account.mode, at: this.clock.now() });
      return this.skipped("SESSION_MAX_OPEN", message);
    }
    const request = this.entryRequest(account, runner, signal, side);
    const result = await account.submit(request);
    this.count(result);
    if (result.order && result.decision.allowed) this.shadowEntry(runner, signal, side);
    return this.executionOf(result, account);
  }

  /** The entry order for `account`: its own price, equity and limits size it (confidence tier in the reason). */
  private entryRequest(account: TradingAccount, runner: StrategyRunner, signal: Signal, side: Side) {
    const session = runner.info.session;
    const price = account.lastPrices.get(signal.symbol) ?? signal.price;
    const positionSide = side === "buy" ? "long" : "short";
    const sign = positionSide === "long" ? 1 : -1;
    const stopPct = session?.stopLossPct ?? this.limits.defaultStopLossPct;
    const targetPct = session?.takeProfitPct ?? this.limits.defaultTakeProfitPct;
    const stopLoss = signal.stopLoss ?? price * (1 - (sign * stopPct) / 100);
    const takeProfit = signal.takeProfit ?? price * (1 + (sign * targetPct) / 100);
    const ctx = account.riskContext();
    const confidence = this.confidenceOf(signal);
    const sizing = sizeEntry({
      side: positionSide,
      price,
      equity: ctx.equity,
      freeQuote: ctx.freeQuote,
      limits: account.risk.limits,
      capital: session ? Math.min(runner.info.capital, session.maxPositionQuote) : runner.info.capital,
      stopLoss,
      takerFee: ctx.fees.taker,
      instrument: this.instruments.get(signal.symbol),
      confidence,
    });
    // The Phase 6 plan's sizing by confidence is said in the order's reason ("size 0.7× (medium confidence 0.55)").
    const reason = sizing.confidenceTier === "unstated" ? signal.reason : `${signal.reason}; ${confidenceReason(sizing, confidence)}`;
    const request = {
      symbol: signal.symbol,
      side,
      type: "market" as const,
      quantity: sizing.quantity,
      intent: "entry" as const,
      reduceOnly: false,
      strategyInstanceId: runner.info.id,
      sessionId: session?.id,
      stopLoss,
      takeProfit,
      reason,
      signalId: signal.id,
    };
    return request;
  }

  private async exit(runner: StrategyRunner, signal: Signal): Promise<SignalExecution> {
    const wanted = signal.action === "exit_long" ? "long" : "short";
    const active = this.activeAccount;
    let execution: SignalExecution | undefined;
    let inFlight = false;
    // The active account first: its exit is never behind another account's (nor the paper shadow's).
    const shadows: Array<() => void> = [];
    for (const account of [active, ...[...this.accounts.values()].filter((a) => a !== active)]) {
      const position = account.hasPosition(signal.symbol, runner.info.id);
      if (!position || position.side !== wanted) continue;
      // A stop that triggered on this candle is already selling it: a second exit would be refused by
      // the venue (or, on a venue that allows it, open the opposite position).
      if (account.exitInFlight(signal.symbol, runner.info.id)) {
        inFlight = true;
        continue;
      }
      if (this.isShadow(account)) {
        shadows.push(() => this.shadowExit(account, position, signal));
        continue;
      }
      const result = await account.closePosition(position, { exitReason: "signal", reason: signal.reason, signalId: signal.id });
      this.count(result);
      execution ??= this.executionOf(result, account);
    }
    for (const start of shadows) start();
    if (execution) return execution;
    if (inFlight) return this.skipped("EXIT_IN_FLIGHT", `an exit of ${signal.symbol} is already working (a stop or target triggered): no second exit sent`);
    return this.skipped("NO_POSITION", `no ${wanted} position of ${runner.info.name} in ${signal.symbol} is open: nothing to exit`);
  }

  private count(result: SubmitResult): void {
    if (result.decision.allowed) this.stats.orders += 1;
    else this.stats.denials += 1;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    promise.finally(() => this.pending.delete(promise)).catch(() => {});
    return promise;
  }

  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
    for (const account of this.accounts.values()) await account.idle();
  }

  // ---- manual actions (dashboard / API) ----

  /**
   * A person's order as the active account receives it: quantity down to the lot step and price to the
   * tick, the way the exchange would snap them; a sell of a manual long (or a buy of a manual short) up
   * to its size reduces that position (`reduces`). POST /api/orders and its preview both start here.
   */
  manualOrder(input: ManualOrderInput): { request: NewOrder; reduces?: LedgerPosition } {
    const account = this.activeAccount;
    const instrument = this.instruments.get(input.symbol);
    const quantity = instrument ? floorToStep(input.quantity, instrument.stepSize) : input.quantity;
    const price = instrument && input.price !== undefined ? roundToTick(input.price, instrument.tickSize) : input.price;
    const held = account.ledger.openPositionsOf(input.symbol).find((p) => !p.strategyInstanceId && p.side === (input.side === "buy" ? "short" : "long"));
    const reduces = held !== undefined && lteQty(quantity, held.quantity) ? held : undefined;
    const request: NewOrder = {
      symbol: input.symbol,
      side: input.side,
      type: input.type,
      quantity,
      price,
      timeInForce: input.type === "limit" ? "GTC" : undefined,
      intent: reduces ? "exit" : "entry",
      reduceOnly: reduces !== undefined,
      exitReason: reduces ? "manual" : undefined,
      stopLoss: reduces ? undefined : input.stopLoss,
      takeProfit: reduces ? undefined : input.takeProfit,
      reason: `Manual ${input.type} ${input.side} by ${input.actor}`,
    };
    return { request, reduces };
  }

  async placeManualOrder(input: ManualOrderInput): Promise<SubmitResult> {
    const { request, reduces } = this.manualOrder(input);
    if (reduces) return this.activeAccount.reduceByPerson(reduces, { type: input.type, quantity: request.quantity, price: request.price, reason: request.reason });
    return this.activeAccount.submit(request);
  }

  async closePosition(positionId: string, actor: string): Promise<SubmitResult> {
    for (const account of this.accounts.values()) {
      const position = account.ledger.positions().find((p) => p.id === positionId);
      if (position) return account.closePosition(position, { exitReason: "manual", reason: `Closed by ${actor} from the dashboard` });
    }
    throw new AppError("NOT_FOUND", `no open position ${positionId}`, 404);
  }

  /** Every account's exit alarms: positions the bot tried and failed to get out of (see exit-guard.ts). */
  exitAlarms(): ExitAlarm[] {
    return [...this.accounts.values()].flatMap((a) => a.exitAlarms());
  }

  // ---- kill switch (every account at once) ----

  async killSwitch(action: "flatten" | "stop-entries", actor: string, reason = "kill switch"): Promise<KernelKillSwitchStatus> {
    this.killSwitchAction = action;
    this.killSwitchStartedAt ??= Date.now();
    this.killSwitchFinishedAt = null;
    const accounts = [...this.accounts.values()];
    try {
      if (action === "stop-entries") {
        await Promise.all(accounts.map((a) => a.killSwitch.stopNewEntries({ actor, reason })));
      } else {
        await Promise.all(
          accounts.map(async (a) => {
            const result = await a.killSwitch.trigger({ actor, reason });
            // Each position the venue still reports is an alarm with the venue's reason.
            const left = new Map(result.remaining.positions.map((p) => [`${p.symbol}|${p.side}`, p.reason]));
            if (left.size) a.reportLeftOpen((p) => left.get(`${p.symbol}|${p.side}`) && `kill switch left it open: ${left.get(`${p.symbol}|${p.side}`)}`);
          }),
        );
      }
    } finally {
      this.killSwitchFinishedAt = Date.now();
    }
    const status = this.killSwitchStatus();
    this.bus.emit("kill-switch", status);
    return status;
  }

  /** Start the kill switch without waiting for it (the API answers 202 and the feed shows progress). */
  startKillSwitch(action: "flatten" | "stop-entries", actor: string, reason?: string): KernelKillSwitchStatus {
    this.killSwitchAction = action;
    this.killSwitchStartedAt = Date.now();
    this.killSwitchFinishedAt = null;
    this.track(this.killSwitch(action, actor, reason)).catch((err) => this.logger.error({ err }, "kill switch failed"));
    return this.killSwitchStatus();
  }

  async resetKillSwitch(actor: string): Promise<KernelKillSwitchStatus> {
    for (const account of this.accounts.values()) {
      await account.killSwitch.reset({ confirm: true, actor, reason: "reset from the kill switch" });
    }
    this.killSwitchAction = null;
    this.killSwitchStartedAt = null;
    this.killSwitchFinishedAt = null;
    const status = this.killSwitchStatus();
    this.bus.emit("kill-switch", status);
    return status;
  }

  killSwitchStatus(): KernelKillSwitchStatus {
    const accounts: KernelKillSwitchStatus["accounts"] = {};
    const status: KernelKillSwitchStatus = {
      action: this.killSwitchAction,
      phase: "idle",
      startedAt: this.killSwitchStartedAt,
      finishedAt: null,
      durationMs: null,
      ordersCancelled: 0,
      positionsClosed: 0,
      flatConfirmed: false,
      accounts,
      remaining: { orders: [], positions: [] },
      errors: [],
    };
    if (!this.killSwitchAction) return status;
    if (this.killSwitchAction === "stop-entries") {
      status.phase = "completed";
      return status;
    }
    let running = this.killSwitchFinishedAt === null;
    let incomplete = false;
    let allFlat = true;
    for (const [mode, account] of this.accounts) {
      const s = account.killSwitch.status;
      accounts[mode] = s;
      if (account.killSwitch.running || s.phase === "halting" || s.phase === "cancelling_orders" || s.phase === "closing_positions" || s.phase === "confirming") running = true;
      if (s.phase === "incomplete") incomplete = true;
      allFlat &&= s.flatConfirmed;
      status.ordersCancelled += s.ordersCancelled;
      status.positionsClosed += s.positionsClosed;
      for (const o of s.remaining.orders) status.remaining.orders.push({ mode, ...o });
      for (const p of s.remaining.positions) status.remaining.positions.push({ mode, ...p });
      for (const e of s.errors) status.errors.push({ mode, step: e.step, message: e.message, at: e.at });
    }
    status.phase = running ? "running" : incomplete ? "incomplete" : "completed";
    status.flatConfirmed = !running && allFlat;
    if (!running && this.killSwitchFinishedAt !== null && this.killSwitchStartedAt !== null) {
      status.finishedAt = this.killSwitchFinishedAt;
      status.durationMs = this.killSwitchFinishedAt - this.killSwitchStartedAt;
    }
    return status;
  }

  async stop(): Promise<void> {
    await this.idle().catch(() => {});
    for (const account of this.accounts.values()) await account.stop();
  }
}
