/**
 * Shapes of the REST API and the Socket.IO feed as the browser sees them (docs/api.md is the contract).
 * Every field the server may omit or send as null is typed so, so the UI has to show "—" for it.
 * Units (as the server sends them): `*Pct` fields, `winRate` and `accuracy` are percentage points (1.5 = 1.5 %);
 * the risk usage `ratio` is a fraction 0..1.
 */

/** The server's wire contract (zod schemas, types by z.infer): these names are the UI's view of it. */
import type {
  BookLevel,
  CandleDto,
  ExitAlarmCode,
  ExitAlarmDto,
  ExitAlarmsDto,
  FeedState,
  FillDto,
  Mode,
  OrderBookDto,
  OrderDto,
  OrderSide,
  OrderStatus,
  PositionDto,
  PositionSide,
  RiskDto,
  RiskEventDto,
  RiskEventKind,
  RiskLimitsDto,
  RiskUsageDto,
  SignalAction,
  SignalDto,
  SignalStatsDto,
  StatusDto,
  Timeframe,
  TradeDto,
  TradingStateName,
  VenueInfo,
  VenueLabel,
} from "@/server/contract";

export type {
  BookLevel,
  CandleDto,
  ExitAlarmCode,
  ExitAlarmDto,
  ExitAlarmsDto,
  FeedState,
  FillDto,
  Mode,
  OrderBookDto,
  OrderDto,
  OrderSide,
  OrderStatus,
  PositionDto,
  PositionSide,
  RiskDto,
  RiskEventDto,
  RiskEventKind,
  RiskLimitsDto,
  RiskUsageDto,
  SignalAction,
  SignalDto,
  SignalStatsDto,
  StatusDto,
  Timeframe,
  TradeDto,
  TradingStateName,
  VenueInfo,
  VenueLabel,
};

export const MODES: readonly Mode[] = ["ghost", "paper", "live"];

export const TIMEFRAMES: readonly Timeframe[] = ["1m", "5m", "15m", "1h", "4h", "1d"];

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


export interface CandlesResponse {
  symbol: string;
  timeframe: Timeframe;
  simulated: boolean;
  candles: CandleDto[];
}



export const TERMINAL_ORDER_STATUSES: readonly OrderStatus[] = ["filled", "cancelled", "rejected", "expired"];

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
  /** The instance's own loss limits, quote currency (null = none), on top of the account's. */
  maxLossQuote?: number | null;
  dailyLossQuote?: number | null;
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
  maxLossQuote?: number | null;
  dailyLossQuote?: number | null;
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
