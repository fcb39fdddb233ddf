import type {
  Balance,
  Candle,
  Fill,
  OrderBook,
  OrderRequest,
  OrderStatus,
  OrderType,
  Side,
  TimeInForce,
} from "../model/types";

/**
 * One interface for every place an order can go: hypothetical (ghost), simulated (paper) or real
 * (a ccxt exchange). The order manager only talks to this interface.
 */
export type VenueKind = "ghost" | "paper" | "live";

export interface VenueCapabilities {
  /**
   * Stop-loss-limit / take-profit-limit orders rest at the venue and trigger there. When false the
   * OrderManager holds them and sends a plain limit order once the trigger price trades.
   */
  exchangeStops: boolean;
  /** The venue enforces reduce-only. Spot venues do not: the engine sizes exits itself. */
  reduceOnly: boolean;
  /** Selling more than is held is allowed (margin or a simulated short). */
  shorting: boolean;
  /** Order changes are pushed (websocket, in-process events) rather than found by polling. */
  pushUpdates: boolean;
  orderTypes: readonly OrderType[];
  timeInForce: readonly TimeInForce[];
}

/** A fill as a venue reports it; the client order id may be unknown for trades fetched by REST. */
export interface VenueFill extends Omit<Fill, "clientOrderId"> {
  clientOrderId?: string;
  venueOrderId?: string;
}

/** The venue's view of one order after a change. Quantities are cumulative. */
export interface VenueOrderUpdate {
  clientOrderId: string;
  venueOrderId?: string;
  symbol: string;
  side: Side;
  /** Our order type when recognised, else the venue's own type name. */
  type: OrderType | string;
  status: OrderStatus;
  /** Quantity as accepted by the venue (after rounding to its step). */
  quantity: number;
  price?: number;
  stopPrice?: number;
  filledQuantity: number;
  avgFillPrice: number;
  /** Cumulative fee in quote currency. */
  fee: number;
  /**
   * Fills reported with this update. A venue may report a fill more than once (a push and the
   * answer of a query): consumers must de-duplicate on (clientOrderId, venueTradeId).
   */
  fills: Fill[];
  timestamp: number;
  /** Why the order was rejected, cancelled or expired, in words. */
  reason?: string;
  /** Stable code for a rejection, e.g. "INSUFFICIENT_FUNDS". */
  errorCode?: string;
}

export type MarketEvent =
  | { type: "candle"; candle: Candle }
  | { type: "book"; book: OrderBook }
  /** quantity: what traded (base units), when the feed knows it; the "queue" fill model uses it. */
  | { type: "trade"; symbol: string; price: number; timestamp: number; quantity?: number };

export type VenueUpdateListener = (update: VenueOrderUpdate) => void;

export interface ExecutionVenue {
  /** Venue id stored on orders, e.g. "paper", "ghost", "binance". */
  readonly id: string;
  readonly kind: VenueKind;
  /** True when no real money can move (ghost, paper, or a ccxt instance pointed at the local simulator). */
  readonly simulated: boolean;
  readonly testnet: boolean;
  readonly capabilities: VenueCapabilities;
  /**
   * True when submit() itself retries a submission (with the same client order id, looking it up
   * before any resend) and so never throws a retryable error: the order manager then sends once.
   * Exactly one layer retries an order submission (issue 13): the venue when this is true (the live
   * venue, which alone knows the venue's receive window), the order manager otherwise.
   */
  readonly retriesSubmissions?: boolean;

  start(): Promise<void>;
  stop(): Promise<void>;

  /**
   * Place an order. Idempotent by clientOrderId: submitting an id the venue already has returns that
   * order's state and never creates a second order. Throws VenueError when the venue refuses.
   */
  submit(order: OrderRequest): Promise<VenueOrderUpdate>;
  /** Cancel; cancelling an order that is already closed returns its final state. */
  cancel(clientOrderId: string, symbol: string): Promise<VenueOrderUpdate>;
  /**
   * Optional: cancel every open order of one symbol in one request (Binance DELETE /api/v3/openOrders),
   * orders this process does not know included; resolves with the cancelled orders' final states.
   */
  cancelAllOrders?(symbol: string): Promise<VenueOrderUpdate[]>;
  /** The order's current state, or undefined when the venue has never seen that client order id. */
  fetchOrder(clientOrderId: string, symbol: string): Promise<VenueOrderUpdate | undefined>;
  /** Open orders, of one symbol or of every symbol the venue trades. */
  fetchOpenOrders(symbol?: string): Promise<VenueOrderUpdate[]>;
  /** Own fills of a symbol with timestamp >= since. */
  fetchFills(symbol: string, since: number): Promise<VenueFill[]>;
  fetchBalances(): Promise<Balance[]>;
  /** The balances at once, where the venue keeps them in process (paper, ghost): exits size themselves without a round trip. */
  balanceList?(): Balance[];

  /** Every order change (including the ones also returned by submit/cancel). Returns an unsubscribe. */
  onUpdate(listener: VenueUpdateListener): () => void;
  /** Market data for simulated venues (ghost/paper); a live venue ignores it. */
  onMarket(event: MarketEvent): void;
}

/** Maker/taker rates as fractions: 0.001 = 0.1 %. */
export interface FeeSchedule {
  maker: number;
  taker: number;
}

export const DEFAULT_FEES: FeeSchedule = { maker: 0.001, taker: 0.001 };
