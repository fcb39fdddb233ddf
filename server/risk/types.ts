import type { RiskLimits } from "../config/risk-limits";
import type {
  ExitReason,
  Instrument,
  OrderBook,
  OrderIntent,
  OrderRequest,
  OrderStatus,
  OrderType,
  PositionSide,
  RiskVerdict,
  Side,
  TradingState,
} from "../model/types";
import type { MarginBracket, MarginMode } from "../futures";
import type { RiskMetrics } from "./metrics";
import type { KernelMode } from "../model/types";

/**
 * Read-only snapshot the engine hands to the risk engine for every order and every mark update.
 * It is built from state the engine already holds (no I/O): maps are the engine's own maps, arrays
 * are its own lists. The shapes are structural, so the engine's Position/Order/ClosedTrade objects
 * can be passed as they are.
 */
export interface RiskContext {
  /** Epoch ms of the decision (the engine clock; backtests pass simulated time). */
  readonly now: number;
  /** Quote currency of equity and balances, e.g. "USDT" (used in messages and usage units). */
  readonly quoteCurrency: string;
  /** Total equity in quote currency: cash plus open positions at mark. */
  readonly equity: number;
  /** Free (unlocked) quote balance. */
  readonly freeQuote: number;
  readonly positions: readonly RiskPosition[];
  /** Orders not yet in a terminal state (resting or in flight). */
  readonly openOrders: readonly RiskOpenOrder[];
  /** Last traded price per symbol. */
  readonly lastPrices: ReadonlyMap<string, number>;
  /** Freshest order book per symbol, when the engine has one (slippage guard). */
  readonly orderBooks?: ReadonlyMap<string, OrderBook>;
  readonly instruments: ReadonlyMap<string, Instrument>;
  /** Fee rates as fractions (0.001 = 0.1%). */
  readonly fees: { readonly maker: number; readonly taker: number };
  /**
   * The latest closed trades, any order: at least every trade closed in the last 24 hours and never
   * fewer than the latest `maxConsecutiveLosses` trades (the last 50 trades is plenty).
   * Drives the consecutive-loss breaker and per-symbol cooldowns.
   */
  readonly recentClosedTrades: readonly RiskClosedTrade[];
  /**
   * Entry orders accepted by the venue (or paper/ghost ledger), at least those of the last 48 hours.
   * Drives trades-per-day and the minimum interval between entries; the risk engine adds the
   * entries it approved itself, deduplicated by clientOrderId, so a burst cannot race the ledger.
   */
  readonly recentEntries: readonly RiskEntryRecord[];
  /**
   * The account may sell more than it holds (margin, or a simulated short in a backtest). Absent or
   * false = spot: a sell larger than the long it closes is refused (spot-sell-holding), because the
   * ledger could not book its fill. Set it from the ledger's own allowShort.
   */
  readonly allowShort?: boolean;
  /**
   * Realized P&L (net of fees) of one strategy instance in this account since the account began, for
   * the instance's own loss limit (strategy-budget). Absent: the recent closed trades are summed.
   */
  strategyRealizedPnl?(strategyInstanceId: string): number;
  /**
   * The futures side of the account (issue 15): absent = spot only. The perp-only checks
   * (checks/perp-*.ts, registered through perpOnly) apply to the symbols listed in contracts.
   */
  readonly futures?: RiskFuturesContext;
}

/** A perpetual contract as the account has it set at the venue. */
export interface RiskPerpContract {
  readonly symbol: string;
  /** The leverage the contract is set to (Binance's per-symbol setting, POST /fapi/v1/leverage). */
  readonly leverage: number;
  readonly marginMode: MarginMode;
  /** Maintenance margin brackets of the contract (GET /fapi/v1/leverageBracket). */
  readonly brackets: readonly MarginBracket[];
}

/** What the perp-only checks read about the futures account (one-way mode: one net position per symbol). */
export interface RiskFuturesContext {
  /** Every perpetual the account trades, by symbol; a symbol not listed is spot. */
  readonly contracts: ReadonlyMap<string, RiskPerpContract>;
  /**
   * Futures wallet balance, quote (Binance's totalWalletBalance: deposits + realised P&L − fees ±
   * funding, without unrealised P&L; isolated wallets included). The cross wallet is this minus the
   * isolated wallets; the margin balance is this plus every perp position's unrealised P&L.
   */
  readonly walletBalance: number;
  /** Capital the trader put in, quote: the base of the max-position rule and of the leverage unlock. */
  readonly principal: number;
  /** Net P&L of the futures book (realised + unrealised, fees and funding included; negative = loss). */
  readonly futuresPnl: number;
  /** Isolated wallet per symbol of an isolated position; absent: its entry notional / leverage. */
  readonly isolatedWallets?: ReadonlyMap<string, number>;
}

export interface RiskPosition {
  readonly symbol: string;
  readonly side: PositionSide;
  readonly quantity: number;
  readonly avgEntryPrice: number;
  readonly stopLoss?: number;
  /** Mark price; falls back to the last price of the symbol, then to the entry price. */
  readonly markPrice?: number;
  readonly strategyInstanceId?: string;
}

export interface RiskOpenOrder {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  readonly quantity: number;
  readonly filledQuantity?: number;
  readonly price?: number;
  readonly intent: OrderIntent;
  readonly reduceOnly: boolean;
  readonly stopLoss?: number;
  readonly status?: OrderStatus;
  readonly strategyInstanceId?: string;
}

export interface RiskClosedTrade {
  readonly symbol: string;
  /** Net of all fees. */
  readonly pnl: number;
  readonly closedAt: number;
  readonly exitReason?: ExitReason;
  /** The strategy instance whose trade it was (its daily loss limit counts its own trades). */
  readonly strategyInstanceId?: string;
}

export interface RiskEntryRecord {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly at: number;
}

/** Entries open exposure; exits (intent "exit", reduce-only) reduce it and skip entry-only limits. */
export type OrderClass = "entry" | "exit";

/** What a pre-trade check is given: everything read-only, numbers derived once per evaluation. */
export interface RiskCheckInput {
  readonly now: number;
  readonly request: OrderRequest;
  readonly ctx: RiskContext;
  readonly limits: Readonly<RiskLimits>;
  readonly orderClass: OrderClass;
  readonly tradingState: TradingState;
  readonly latches: readonly RiskLatch[];
  /** True only for the kill switch's own reduce-only closes during a kill-switch run. */
  readonly killSwitchBypass: boolean;
  readonly metrics: RiskMetrics;
  /** The account's run mode when the engine was told it; "live" applies the live rulebook (limits.live). */
  readonly mode?: KernelMode;
  /** Where the live position ramp stands (live mode); the first stage until the engine is told otherwise. */
  readonly liveRamp: LiveRampState;
  /** Rules of the trading sessions that are running, by session id (entries tagged with a session). */
  readonly sessions: ReadonlyMap<string, SessionRiskRules>;
  /**
   * The budget of the strategy instance that sent this entry (set by the engine when it starts the
   * instance, RiskEngine.setStrategyBudget), with its realized P&L; absent = the instance has none.
   */
  readonly strategyBudgets?: ReadonlyMap<string, StrategyBudget>;
}

/** A strategy instance's own limits, on top of the account's (what the engine sets when it starts one). */
export interface StrategyBudgetLimits {
  /** Quote currency the instance may have in positions (open + pending + this entry). */
  capital: number;
  /** Total loss (realized + unrealized, net of fees) at which the instance stops entering; absent = none. */
  maxLossQuote?: number;
  /** The same for today (the risk calendar's day); absent = none. */
  dailyLossQuote?: number;
}

/** What the strategy-budget check reads: the limits and the instance's realized P&L. */
export interface StrategyBudget extends StrategyBudgetLimits {
  /** The instance's realized P&L in this account, net of fees. */
  realizedPnl: number;
  /** Its realized P&L today (the account's day, see risk limits timeZone). */
  realizedPnlToday: number;
}

/** Stage of the live position ramp (Phase 5 plan), computed from live trade history by server/golive/ramp.ts. */
export interface LiveRampState {
  stage: "first" | "second" | "full";
  /** Winning live trades counted towards the next stage. */
  winningTrades: number;
  /** A sentence: why the ramp is at this stage. */
  reason: string;
  /** Epoch ms when this stage began (null = from the first live trade). */
  since: number | null;
}

/** A running trading session's own caps, enforced by the session-cap check on entries tagged with its id. */
export interface SessionRiskRules {
  /** Max value of one position of the session, quote. */
  maxPositionQuote: number;
  maxOpenPositions: number;
  /** The session's capital: all its open positions together stay within it. */
  capital: number;
}

/**
 * One pre-trade rule. A check never throws on bad numbers (it denies with a code); if it throws
 * anyway the manager denies the order with RISK_CHECK_FAILED (fail closed).
 */
export interface RiskCheck {
  /** Stable id, e.g. "position-size"; recorded with every verdict. */
  readonly id: string;
  /** Which orders it applies to: exits skip every entry-only limit. */
  readonly appliesTo: "entry" | "exit" | "all";
  readonly description: string;
  evaluate(input: RiskCheckInput): RiskVerdict;
}

export interface RiskCheckResult extends RiskVerdict {
  readonly check: string;
}

/** The manager's answer for one order request. */
export interface RiskDecision extends RiskVerdict {
  readonly orderClass: OrderClass;
  readonly tradingState: TradingState;
  /** Verdicts of the checks that ran, in order; evaluation stops at the first denial. */
  readonly checks: readonly RiskCheckResult[];
  /** Id of the denial's risk event. */
  readonly eventId?: string;
}

export type RiskEventKind = "denial" | "state_change" | "warning" | "breaker" | "kill_switch";
export type RiskEventSeverity = "info" | "warning" | "critical";

export interface RiskEvent {
  id: string;
  timestamp: number;
  kind: RiskEventKind;
  code: string;
  severity: RiskEventSeverity;
  message: string;
  data: Record<string, unknown>;
}

/** Where risk events go (the integrator persists them and pushes them to the UI). Must not block. */
export interface RiskEventSink {
  publish(event: RiskEvent): void;
}

/** Why trading is not ACTIVE. Several latches can hold at once; the strictest one wins. */
export type RiskLatchId =
  | "kill_switch"
  | "manual_stop"
  | "daily_loss"
  | "weekly_loss"
  | "drawdown"
  | "consecutive_losses"
  | "venue_errors"
  | "reconciliation"
  | "state_unreadable"
  | "exit_failure";

export interface RiskLatch {
  id: RiskLatchId;
  state: Exclude<TradingState, "ACTIVE">;
  code: string;
  reason: string;
  since: number;
  /** The latch lifts by itself at this time (calendar latches); null = until a person resets it. */
  until: number | null;
  actor?: string;
  data?: Record<string, number | string | boolean | null>;
}

/** Current use of one limit, for GET /api/risk. */
export interface RiskUsage {
  key: string;
  label: string;
  used: number;
  limit: number;
  unit: string;
  /**
   * "max": used must stay at or below limit; "min": used must stay at or above limit.
   * ratio is used/limit for "max" and limit/used for "min": 1 means at the limit, above 1 beyond it.
   */
  direction: "max" | "min";
  ratio: number;
}
