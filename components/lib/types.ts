/**
 * Shapes of the REST API and the Socket.IO feed as the browser sees them (docs/api.md is the contract).
 * Every field the server may omit or send as null is typed so, so the UI has to show "—" for it.
 * Units (as the server sends them): `*Pct` fields, `winRate` and `accuracy` are percentage points (1.5 = 1.5 %);
 * the risk usage `ratio` is a fraction 0..1.
 */

export type Mode = "ghost" | "paper" | "live";
export const MODES: readonly Mode[] = ["ghost", "paper", "live"];

export type Timeframe = "1m" | "5m" | "15m" | "1h" | "4h" | "1d";
export const TIMEFRAMES: readonly Timeframe[] = ["1m", "5m", "15m", "1h", "4h", "1d"];

export type TradingStateName = "ACTIVE" | "REDUCING" | "HALTED";
export type FeedState = "connecting" | "live" | "reconnecting" | "down";
export type VenueLabel = "SIMULATED" | "TESTNET" | "REAL MONEY";

export interface VenueInfo {
  id: string;
  label: VenueLabel;
  simulated: boolean;
  testnet: boolean;
}

export interface StatusDto {
  mode: Mode;
  venue: VenueInfo;
  tradingState: TradingStateName;
  tradingStateReason: string | null;
  equity: number | null;
  cash: number | null;
  realizedPnl: number | null;
  unrealizedPnl: number | null;
  todayPnl: number | null;
  change24hPct: number | null;
  quoteCurrency: string;
  feed: { state: FeedState; lastMessageAgeMs: number | null };
  reconciliation: { ok: boolean; at: number | string | null; message: string | null } | null;
  liveArmed: boolean;
  startedAt: number | string | null;
  /** The engine's clock: ahead of the wall clock when the simulator runs faster than real time. */
  marketTime?: number | null;
  /** Positions the bot failed to get out of (issue 12); absent on older servers. */
  exitAlarms?: ExitAlarmDto[];
  /** Capabilities beyond the original contract (issue 21), e.g. "orders.preview"; absent on older servers. */
  features?: string[];
}

export type ExitAlarmCode = "EXIT_REJECTED" | "STOP_PASSED_OPEN" | "POSITIONS_LEFT_OPEN";

/** A failed exit: `GET /api/exit-alarms`, the `exit:alarm` event and `GET /api/status` carry the full current list. */
export interface ExitAlarmDto {
  /** Stable per (mode, position). */
  id: string;
  mode: Mode;
  /** Null when the position is no longer known by id. */
  positionId: string | null;
  symbol: string;
  side: PositionSide;
  /** Position quantity still open. */
  quantity: number;
  /** What a close at market would send now: min(position, venue free), floored to the step. */
  closableQuantity: number;
  code: ExitAlarmCode;
  /** The venue's reason, e.g. "INSUFFICIENT_FUNDS: needs 0.0513 ETH, 0.0512 free". */
  reason: string;
  /** Exit attempts so far. */
  attempts: number;
  /** Epoch ms when it was raised. */
  since: number;
  updatedAt: number;
}

/** `exit:alarm` event and `GET /api/exit-alarms`: always the full current list (empty = all resolved). */
export interface ExitAlarmsDto {
  alarms: ExitAlarmDto[];
}

export interface StreamDto {
  symbol: string;
  /** The contract names it `kind`; the server sends `stream`. Either is shown. */
  kind?: string;
  stream?: string;
  state: string;
  lastMessageAgeMs: number | null;
  latencyMs?: number | null;
  failures?: number;
  reconnects: number;
}

export interface LatencyStats {
  p50: number | null;
  p99: number | null;
  count?: number;
}

export interface SystemDto {
  uptimeS: number;
  memory: { rssMb: number; heapUsedMb: number };
  db: { kind: "embedded" | "postgres"; ok: boolean; latencyMs: number | null };
  feed: {
    state?: FeedState;
    streams: StreamDto[];
    lastCandleAgeMs: Record<string, number | null>;
  };
  venue: VenueInfo & {
    errors: { at: number | string; message: string }[];
    orderLatencyMs: LatencyStats;
  };
  engine: {
    candlesProcessed?: number;
    /** Sent by the server instead of candlesProcessed. */
    candles?: number;
    signals: number;
    orders: number;
    denials?: number;
    lastCandleToOrderMs?: LatencyStats;
  };
}

export interface SymbolDto {
  symbol: string;
  base: string;
  quote: string;
  last: number | null;
  change24hPct: number | null;
  simulated: boolean;
}

export interface CandleDto {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  closed: boolean;
}

export interface CandlesResponse {
  symbol: string;
  timeframe: Timeframe;
  simulated: boolean;
  candles: CandleDto[];
}

/** [price, quantity], best first. */
export type BookLevel = [number, number];

export interface OrderBookDto {
  symbol: string;
  timestamp: number;
  simulated?: boolean;
  bids: BookLevel[];
  asks: BookLevel[];
  spread: number | null;
  mid: number | null;
}

export type PositionSide = "long" | "short";
export type OrderSide = "buy" | "sell";

export interface PositionDto {
  id: string;
  mode: Mode;
  /** Sent by the server on events; "closed" means the position left the book. */
  status?: "open" | "closed";
  symbol: string;
  side: PositionSide;
  quantity: number;
  avgEntryPrice: number;
  markPrice: number | null;
  unrealizedPnl: number | null;
  unrealizedPct: number | null;
  realizedPnl: number | null;
  fees: number | null;
  stopLoss: number | null;
  takeProfit: number | null;
  trailingStop: number | null;
  openedAt: number;
  strategyInstanceId: string | null;
  entryReason: string | null;
}

export interface FillDto {
  clientOrderId: string;
  symbol: string;
  side: OrderSide;
  price: number;
  quantity: number;
  fee: number;
  timestamp: number;
  liquidity?: "maker" | "taker";
  venueTradeId?: string;
}

export type OrderStatus =
  | "new"
  | "submitted"
  | "partially_filled"
  | "filled"
  | "cancelled"
  | "rejected"
  | "expired";

export const TERMINAL_ORDER_STATUSES: readonly OrderStatus[] = ["filled", "cancelled", "rejected", "expired"];

export interface OrderDto {
  clientOrderId: string;
  venueOrderId: string | null;
  mode: Mode | "backtest";
  symbol: string;
  side: OrderSide;
  type: string;
  status: OrderStatus;
  quantity: number;
  price: number | null;
  stopPrice: number | null;
  filledQuantity: number;
  avgFillPrice: number | null;
  fee: number | null;
  intent: "entry" | "exit";
  reduceOnly: boolean;
  reason: string | null;
  error: string | null;
  strategyInstanceId: string | null;
  createdAt: number;
  updatedAt: number;
  fills?: FillDto[];
}

export interface TradeDto {
  id: string;
  mode: Mode;
  symbol: string;
  side: PositionSide;
  quantity: number;
  entryPrice: number;
  exitPrice: number;
  pnl: number;
  pnlPct: number;
  fees: number;
  openedAt: number;
  closedAt: number;
  exitReason: string;
  entryReason: string | null;
  exitReasonText: string | null;
  strategyInstanceId: string | null;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface RiskCheckDto {
  code: string;
  message: string;
}

/** `POST /api/positions/{id}/close`: the reduce-only order (possibly `rejected` with the venue's reason in `error`). */
export interface ClosePositionResultDto {
  order: OrderDto;
  riskChecks?: RiskCheckDto[];
}

export interface TradeDetailDto {
  trade: TradeDto;
  orders: OrderDto[];
  signal: SignalDto | null;
  riskChecks: RiskCheckDto[];
}

export type SignalAction = "enter_long" | "exit_long" | "enter_short" | "exit_short";

export interface SignalDto {
  id: string;
  mode: Mode;
  timestamp: number;
  strategyInstanceId: string;
  symbol: string;
  timeframe: Timeframe;
  action: SignalAction;
  price: number;
  reason: string;
  data: Record<string, number | string | boolean> | null;
  outcome: "open" | "win" | "loss" | null;
  exitPrice: number | null;
  outcomePct: number | null;
  outcomeAt: number | null;
  /**
   * What became of the signal (issue 21; absent on older servers): an order was sent (`executed`), the risk
   * engine refused it (`blocked`, with the denial's code and sentence), or it led to no order (`skipped`,
   * e.g. ghost mode or an exit with nothing open).
   */
  execution?: { status: "executed" | "blocked" | "skipped"; code: string | null; message: string | null; clientOrderId: string | null } | null;
}

export interface SignalStatsDto {
  total: number;
  closed: number;
  wins: number;
  losses: number;
  accuracy: number | null;
  avgWinPct: number | null;
  avgLossPct: number | null;
  expectancyPct: number | null;
  profitFactor: number | null;
}

export interface EquityPointDto {
  timestamp: number;
  equity: number;
  cash: number;
  realizedPnl: number;
  unrealizedPnl: number;
}

export interface EquityEventDto extends EquityPointDto {
  mode: Mode;
}

export interface MetricsDto {
  trades: number;
  winRate: number | null;
  profitFactor: number | null;
  sharpe: number | null;
  sortino: number | null;
  maxDrawdownPct: number | null;
  maxDrawdown: number | null;
  expectancy: number | null;
  avgWin: number | null;
  avgLoss: number | null;
  totalPnl: number | null;
  fees: number | null;
}

export interface PerformanceDto {
  overall: MetricsDto;
  byStrategy: Record<string, MetricsDto>;
  bySymbol: Record<string, MetricsDto>;
  daily: { day: string; pnl: number }[];
  hourly: { hour: number; pnl: number }[];
  drawdown: { timestamp: number; drawdownPct: number }[];
}

/** Canonical shape used by the UI (hooks normalise `name`→`key`, `title`→`name`, preset `label`→`name`). */
export interface StrategyParamDto {
  key: string;
  label?: string;
  /** False: the parameter may be left empty. */
  required?: boolean;
  type: "number" | "integer" | "boolean" | "string" | "enum" | string;
  default: unknown;
  min?: number;
  max?: number;
  step?: number;
  options?: (string | number)[];
  description: string;
}

export interface StrategyKindDto {
  kind: string;
  name: string;
  description: string;
  params: StrategyParamDto[];
  presets: { name: string; timeframe?: Timeframe; params: Record<string, unknown> }[];
  defaultTimeframe?: Timeframe;
}

export interface StrategyInstanceDto {
  id: string;
  name: string;
  kind: string;
  params: Record<string, unknown>;
  symbols: string[];
  timeframe: Timeframe;
  capital: number | null;
  status: "active" | "paused";
  createdAt: number | string;
  stats: { trades: number; pnl: number | null; winRate: number | null } | null;
}

export interface StrategyInput {
  name: string;
  kind: string;
  params: Record<string, unknown>;
  symbols: string[];
  timeframe: Timeframe;
  capital?: number | null;
}

export interface RiskUsageDto {
  key: string;
  label: string;
  used: number | null;
  limit: number | null;
  unit: string | null;
  /** "max": used must stay below limit; "min": used must stay above it (e.g. a reserve). */
  direction?: "max" | "min";
  ratio: number | null;
}

export type RiskLimitsDto = Record<string, number | string | boolean | null | (string | number)[]>;

export interface RiskDto {
  tradingState: TradingStateName;
  reason: string | null;
  /** The breakers and stops holding the account (each with its code, sentence and numbers). */
  latches?: import("../risk/risk-format").RiskLatchDto[];
  limits: RiskLimitsDto;
  usage: RiskUsageDto[];
  /** Which direction tightens each numeric limit (requested from the API; absent on older servers). */
  tighter?: Record<string, "lower" | "higher">;
}

export type RiskEventKind = "denial" | "state_change" | "warning" | "breaker" | "kill_switch";

export interface RiskEventDto {
  id: string;
  timestamp: number;
  kind: RiskEventKind;
  code: string;
  severity: string;
  message: string;
  data: Record<string, unknown> | null;
}

/** The contract's phases, plus the engine's (running, completed, incomplete, cancelling_orders, …): see shell/kill-switch-phase.ts. */
export type KillSwitchPhase = "idle" | "halting" | "cancelling" | "closing" | "confirming" | "done" | "failed" | (string & {});
export type KillSwitchAction = "flatten" | "stop-entries";

export interface KillSwitchStatusDto {
  phase: KillSwitchPhase;
  action: KillSwitchAction | null;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  ordersCancelled: number;
  positionsClosed: number;
  flatConfirmed: boolean;
  /**
   * What the kill switch could not clear. The engine sends orders as `{ clientOrderId, symbol, reason }` and
   * positions as `{ symbol, side, quantity, reason }`, the reason carrying the venue's words; `confirmed` is
   * false when the venue could not be listed at the end. Shown whatever the exact shape.
   */
  remaining: { orders: unknown[]; positions: unknown[]; confirmed?: boolean };
  errors: unknown[];
  /** Per trading account (mode): the detailed step of each. */
  accounts?: Record<string, { phase?: string } | undefined>;
}

export interface TradingStateEventDto {
  tradingState: TradingStateName;
  reason: string | null;
}

export interface TickerEventDto {
  symbol: string;
  last: number;
  change24hPct: number | null;
  timestamp: number;
}

export interface CandleEventDto {
  symbol: string;
  timeframe: Timeframe;
  candle: CandleDto;
}

export interface ApiTokenDto {
  id: string;
  name: string;
  last4: string | null;
  createdAt: number | string;
  lastUsedAt: number | string | null;
  revokedAt?: number | string | null;
}

export interface CreatedApiTokenDto extends ApiTokenDto {
  /** The secret itself: shown once, never again. */
  token: string;
}

export interface CredentialDto {
  venue: string;
  network: string;
  set: boolean;
  last4: string | null;
  validatedAt: number | string | null;
}

export interface MeDto {
  kind: string;
  /** Null for API-token callers. */
  user: { username: string; totpEnabled: boolean } | null;
  csrfToken: string | null;
}

/** Arming live trading on a real-money venue: the acknowledged limits are the numbers the dialog showed. */
export interface ArmingInput {
  typedConfirmation: string;
  acknowledgedDailyLossLimit: number;
  acknowledgedMaxPosition: number;
  /** Required by the server when the trader has two-factor on. */
  totpCode?: string;
}

/** `POST /api/orders/preview` (issue 21): the risk engine's decision on an order ticket, nothing sent. */
export interface OrderPreviewDto {
  allowed: boolean;
  /** The denying check's code (e.g. MAX_POSITION_PCT), null when allowed. */
  code: string | null;
  message: string;
  checks: { check: string; code: string; message: string; allowed?: boolean }[];
  /** What would be sent: quantity after sizing to the step, its notional at the reference price. */
  order: { symbol: string; side: OrderSide; type: "market" | "limit"; quantity: number; price: number | null; notional: number | null };
}

/** Manual order ticket body of `POST /api/orders` (and `/api/orders/preview`). */
export interface ManualOrderInput {
  symbol: string;
  side: OrderSide;
  type: "market" | "limit";
  quantity: number;
  price?: number;
  stopLoss?: number;
  takeProfit?: number;
}

/** Trading session (`GET /api/sessions`). */
export interface SessionConfigDto {
  name?: string;
  capital?: number;
  durationMin?: number;
  symbols?: string[];
  strategy?: { kind: string; params?: Record<string, unknown>; timeframe?: string };
  stopLossPct?: number;
  takeProfitPct?: number;
  maxPositionQuote?: number;
  maxOpenPositions?: number;
  profitTarget?: number;
  maxLoss?: number;
}

export interface SessionDto {
  id: string;
  mode: Mode;
  status: "running" | "ended";
  config: SessionConfigDto;
  startedAt: number | string;
  endsAt: number | string | null;
  endedAt: number | string | null;
  endReason: "profit_target" | "max_loss" | "time" | "manual" | null;
  pnl: { realized: number; unrealized: number; total: number; openPositions: number } | null;
  report?: unknown;
}

/** `market:trade` feed event (issue 21): one print of the venue's public trades, for the trades tape. */
export interface MarketTradeDto {
  symbol: string;
  price: number;
  quantity: number;
  /** The aggressor's side. */
  side: OrderSide | null;
  timestamp: number;
  simulated?: boolean;
}
