/**
 * Pure domain types shared by every engine module. No I/O, no framework imports.
 *
 * Number policy (see server/core/decimal.ts): prices, quantities and money are JS numbers on the hot
 * path; they are rounded to the instrument's tick/step with decimal arithmetic at the venue boundary,
 * fees and P&L are rounded to QUOTE_DP decimals when stored, and the database keeps them as NUMERIC.
 * Times are epoch milliseconds (UTC) everywhere in the engine.
 */

export type TradingMode = "ghost" | "paper" | "live";
/** The kernel's run mode: the three user modes plus the backtester. */
export type KernelMode = TradingMode | "backtest";

export type Timeframe = "1m" | "5m" | "15m" | "1h" | "4h" | "1d";
export const TIMEFRAMES: readonly Timeframe[] = ["1m", "5m", "15m", "1h", "4h", "1d"];
export const TIMEFRAME_MS: Record<Timeframe, number> = {
  "1m": 60_000,
  "5m": 300_000,
  "15m": 900_000,
  "1h": 3_600_000,
  "4h": 14_400_000,
  "1d": 86_400_000,
};

export interface Candle {
  symbol: string; // unified ccxt symbol, e.g. "BTC/USDT"
  timeframe: Timeframe;
  openTime: number; // ms, inclusive
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number; // base volume
  /** false while the candle is still forming (streamed), true once its period has ended. */
  closed: boolean;
}

export interface Instrument {
  symbol: string;
  base: string;
  quote: string;
  tickSize: number;
  stepSize: number;
  minQty: number;
  maxQty: number;
  minNotional: number;
  /** Further rules the venue publishes (Binance's filters); absent = the venue states none. */
  venueRules?: VenueRules;
  /**
   * `perp` for a USDⓈ-M linear perpetual (ccxt swap market, symbol BASE/QUOTE:SETTLE; margin, leverage,
   * shorts, funding); absent or `spot` for a spot pair (server/futures marketTypeOf).
   */
  marketType?: "spot" | "perp";
}

/** Binance's order filters beyond lot and tick (exchangeInfo), as the pre-trade checks use them. */
export interface VenueRules {
  /** MARKET_LOT_SIZE maxQty: the largest market order. */
  marketMaxQty?: number;
  /** PERCENT_PRICE_BY_SIDE: a buy's price within [avg × bidDown, avg × bidUp], a sell's within [avg × askDown, avg × askUp]. */
  priceBand?: { bidUp: number; bidDown: number; askUp: number; askDown: number; avgPriceMins: number };
  /** MAX_NUM_ALGO_ORDERS: open stop orders per symbol. */
  maxAlgoOrders?: number;
  /** MAX_NUM_ORDERS: open orders per symbol. */
  maxOrders?: number;
}

export interface OrderBookLevel {
  price: number;
  quantity: number;
}
export interface OrderBook {
  symbol: string;
  timestamp: number;
  bids: OrderBookLevel[]; // best first (descending)
  asks: OrderBookLevel[]; // best first (ascending)
}

export type Side = "buy" | "sell";
export type PositionSide = "long" | "short";
export type OrderType = "market" | "limit" | "stop_loss_limit" | "take_profit_limit";
export type TimeInForce = "GTC" | "IOC" | "FOK";
export type OrderStatus =
  | "new" // created and persisted, not yet sent
  | "submitted" // accepted by the venue, resting
  | "partially_filled"
  | "filled"
  | "cancelled"
  | "rejected"
  | "expired";
export const TERMINAL_ORDER_STATUSES: readonly OrderStatus[] = ["filled", "cancelled", "rejected", "expired"];

/** Why an order exists: opening exposure, or reducing it (exits are allowed while REDUCING). */
export type OrderIntent = "entry" | "exit";

export type ExitReason =
  | "signal"
  | "stop_loss"
  | "take_profit"
  | "trailing_stop"
  | "atr_stop"
  | "manual"
  | "kill_switch"
  | "session_end"
  | "unlock"
  /** Futures: closed by the engine's liquidation guard at risk.liquidationClosePct, before the venue liquidates it. */
  | "liquidation_guard"
  /** Futures: closed by the venue itself (its liquidation engine or auto-deleveraging), booked from its fills. */
  | "liquidation";

export interface OrderRequest {
  clientOrderId: string;
  symbol: string;
  side: Side;
  type: OrderType;
  quantity: number;
  price?: number; // limit price
  stopPrice?: number;
  timeInForce?: TimeInForce;
  intent: OrderIntent;
  reduceOnly: boolean;
  strategyInstanceId?: string;
  sessionId?: string;
  /** Planned protective levels of an entry; used by risk (heat, per-trade loss, edge-vs-fees). */
  stopLoss?: number;
  takeProfit?: number;
  exitReason?: ExitReason;
  /** A sentence a person can read: why this order exists. */
  reason: string;
  /** The strategy signal that caused this order, when one did. */
  signalId?: string;
  /** The pre-trade checks this order passed (recorded for the trade detail view). */
  riskChecks?: { check: string; code: string; message: string }[];
  createdAt: number;
}

export interface Order extends OrderRequest {
  mode: KernelMode;
  status: OrderStatus;
  venueOrderId?: string;
  filledQuantity: number;
  avgFillPrice: number;
  fee: number; // in quote currency
  updatedAt: number;
  error?: string;
}

export interface Fill {
  clientOrderId: string;
  venueTradeId: string;
  symbol: string;
  side: Side;
  price: number;
  quantity: number;
  fee: number; // in quote currency: the commission's value, whatever asset paid it
  /**
   * Commission withheld from the base asset received (Binance without BNB takes a buy's fee out of
   * the coins bought), in base units. The holding grows by quantity − baseFee; fee is its quote value.
   */
  baseFee?: number;
  liquidity: "maker" | "taker";
  timestamp: number;
}

export interface Position {
  id: string;
  mode: KernelMode;
  symbol: string;
  side: PositionSide;
  quantity: number; // > 0 while open
  avgEntryPrice: number;
  realizedPnl: number; // net of fees, over the position's life
  fees: number;
  openedAt: number;
  strategyInstanceId?: string;
  stopLoss?: number;
  takeProfit?: number;
  trailingStop?: number;
  /** Best price since entry (highest for long, lowest for short): drives trailing stops. */
  extremePrice: number;
  entryReason: string;
}

export interface ClosedTrade {
  id: string;
  positionId: string;
  mode: KernelMode;
  symbol: string;
  side: PositionSide;
  quantity: number;
  entryPrice: number;
  exitPrice: number;
  pnl: number; // net of all fees
  pnlPct: number; // pnl / entry notional
  fees: number;
  openedAt: number;
  closedAt: number;
  exitReason: ExitReason;
  entryReason: string;
  exitReasonText: string;
  strategyInstanceId?: string;
}

export type SignalAction = "enter_long" | "exit_long" | "enter_short" | "exit_short";

export interface Signal {
  id: string;
  timestamp: number;
  strategyInstanceId: string;
  symbol: string;
  timeframe: Timeframe;
  action: SignalAction;
  price: number;
  /** Sentence built from the numbers that produced the signal. */
  reason: string;
  /** The indicator values behind the reason, for the UI and audit. */
  data: Record<string, number | string | boolean>;
  stopLoss?: number;
  takeProfit?: number;
}

export type TradingState = "ACTIVE" | "REDUCING" | "HALTED";

export interface RiskVerdict {
  allowed: boolean;
  /** Stable machine-readable reason code, e.g. "MAX_OPEN_POSITIONS". */
  code: string;
  message: string;
  /** The numbers behind the decision (limit, value, ...). */
  data?: Record<string, number | string | boolean | null>;
}

export interface Balance {
  asset: string;
  free: number;
  locked: number;
}

export interface EquitySnapshot {
  timestamp: number;
  equity: number;
  cash: number;
  realizedPnl: number;
  unrealizedPnl: number;
}
