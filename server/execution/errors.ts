import { AppError, errorMessage } from "../core/errors";

/**
 * Stable error codes of the execution layer. `retryable` codes are transient: the same request may
 * succeed later. For submits, a transient failure is also *ambiguous* (the order may have reached
 * the venue), so a retry must first look the order up by its client order id.
 */
export type VenueErrorCode =
  | "INVALID_ORDER" // malformed, off-grid, below minimums, unknown symbol: fix the request
  | "INSUFFICIENT_FUNDS"
  | "ORDER_NOT_FOUND"
  | "DUPLICATE_ORDER_ID"
  | "WOULD_TRIGGER_IMMEDIATELY" // stop order whose trigger price has already traded
  | "NO_MARKET_PRICE" // simulated venue has no price for the symbol yet
  | "AUTHENTICATION" // bad key/secret, missing permission, suspended account
  | "RATE_LIMITED"
  | "TIMEOUT"
  | "NETWORK"
  | "VENUE_UNAVAILABLE" // maintenance, 5xx
  | "NOT_SUPPORTED"
  | "REJECTED" // the venue refused the operation for another stated reason
  | "SUBMIT_FAILED" // gave up retrying; the order is known NOT to be at the venue
  | "ORDER_STATE_UNKNOWN" // gave up; the order may or may not be at the venue (reconciliation decides)
  | "INVALID_MARKET_DATA"
  | "VENUE_ERROR"; // anything else the venue reported

const RETRYABLE: ReadonlySet<VenueErrorCode> = new Set(["RATE_LIMITED", "TIMEOUT", "NETWORK", "VENUE_UNAVAILABLE"]);

export class VenueError extends AppError {
  readonly retryable: boolean;
  constructor(
    readonly code: VenueErrorCode,
    message: string,
    details?: unknown,
  ) {
    super(code, message, code === "AUTHENTICATION" ? 401 : RETRYABLE.has(code) ? 503 : 400, details);
    this.name = "VenueError";
    this.retryable = RETRYABLE.has(code);
  }
}

export function isVenueError(err: unknown, code?: VenueErrorCode): err is VenueError {
  return err instanceof VenueError && (code === undefined || err.code === code);
}

/** Class names of an error and its ancestors, most specific first (ccxt sets a name per class). */
function errorLineage(err: unknown): string[] {
  const names: string[] = [];
  if (!(err instanceof Error)) return names;
  let proto: object | null = Object.getPrototypeOf(err);
  while (proto && proto !== Error.prototype && proto !== Object.prototype) {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name;
    if (name) names.push(name);
    proto = Object.getPrototypeOf(proto);
  }
  if (err.name && !names.includes(err.name)) names.unshift(err.name);
  return names;
}

/**
 * The ccxt exception hierarchy mapped to our codes, most specific class first. Matching by class
 * name (not instanceof) keeps it correct when ccxt is loaded twice (ESM and CJS copies).
 */
const CCXT_CODES: ReadonlyArray<[string, VenueErrorCode]> = [
  ["InsufficientFunds", "INSUFFICIENT_FUNDS"],
  ["OrderNotFound", "ORDER_NOT_FOUND"],
  ["OrderNotCached", "ORDER_NOT_FOUND"],
  ["DuplicateOrderId", "DUPLICATE_ORDER_ID"],
  ["OrderImmediatelyFillable", "REJECTED"],
  ["OrderNotFillable", "REJECTED"],
  ["InvalidOrder", "INVALID_ORDER"],
  ["BadSymbol", "INVALID_ORDER"],
  ["ArgumentsRequired", "INVALID_ORDER"],
  ["AuthenticationError", "AUTHENTICATION"],
  ["RateLimitExceeded", "RATE_LIMITED"],
  ["DDoSProtection", "RATE_LIMITED"],
  ["RequestTimeout", "TIMEOUT"],
  ["ExchangeNotAvailable", "VENUE_UNAVAILABLE"],
  ["NetworkError", "NETWORK"],
  ["BadResponse", "NETWORK"], // garbled answer: the request may have been processed
  ["CancelPending", "NETWORK"],
  ["NotSupported", "NOT_SUPPORTED"],
  ["BadRequest", "INVALID_ORDER"],
  ["OperationRejected", "REJECTED"],
  ["ExchangeError", "VENUE_ERROR"],
];

/** Map anything thrown by ccxt (or by us) to a VenueError with a stable code. */
export function toVenueError(err: unknown, action = "venue call"): VenueError {
  if (err instanceof VenueError) return err;
  const lineage = errorLineage(err);
  const message = errorMessage(err);
  // Binance reports a reused open client order id as a generic rejection.
  if (/duplicate order/i.test(message)) {
    return new VenueError("DUPLICATE_ORDER_ID", `${action}: ${message}`, { cause: lineage[0] });
  }
  for (const [name, code] of CCXT_CODES) {
    if (lineage.includes(name)) return new VenueError(code, `${action}: ${message}`, { cause: lineage[0] });
  }
  return new VenueError("VENUE_ERROR", `${action}: ${message}`, { cause: lineage[0] ?? typeof err });
}

/**
 * What the venue-error breaker counts. Only real faults: a transport failure (timeout, network,
 * an order whose state is unknown after retries), a 5xx / maintenance answer, a rate-limit refusal
 * that outlived the retries (a ban), and a rejection the bot did not expect. An IOC/FOK that expired,
 * a market order that ran out of book, a cancel, a stop that would have triggered at once: outcomes
 * of normal exchange behaviour, never errors.
 */
export type VenueFaultKind = "transport" | "server" | "rate_limit" | "rejection";

export interface VenueFault {
  kind: VenueFaultKind;
  /** The execution layer's code (VenueErrorCode) when one is known. */
  code: string | null;
  message: string;
}

const FAULT_BY_CODE: Readonly<Record<VenueErrorCode, VenueFaultKind | null>> = {
  TIMEOUT: "transport",
  NETWORK: "transport",
  ORDER_STATE_UNKNOWN: "transport",
  SUBMIT_FAILED: "transport",
  VENUE_UNAVAILABLE: "server",
  RATE_LIMITED: "rate_limit",
  INVALID_ORDER: "rejection",
  INSUFFICIENT_FUNDS: "rejection",
  DUPLICATE_ORDER_ID: "rejection",
  AUTHENTICATION: "rejection",
  NOT_SUPPORTED: "rejection",
  REJECTED: "rejection",
  VENUE_ERROR: "rejection",
  INVALID_MARKET_DATA: "rejection",
  ORDER_NOT_FOUND: "rejection",
  // The price moved through the trigger before the order arrived, or the simulated market has no
  // price yet: the market's state, not a fault of the venue or the bot.
  WOULD_TRIGGER_IMMEDIATELY: null,
  NO_MARKET_PRICE: null,
};

const isCode = (v: string): v is VenueErrorCode => Object.prototype.hasOwnProperty.call(FAULT_BY_CODE, v);

/** A thrown venue call: its fault, or null when it is an outcome (see VenueFaultKind). */
export function classifyVenueFailure(err: unknown): VenueFault | null {
  const venueError = toVenueError(err);
  const kind = FAULT_BY_CODE[venueError.code];
  return kind ? { kind, code: venueError.code, message: venueError.message } : null;
}

/**
 * An order the order manager returned: a fault when it was rejected (by its code, the "CODE: …"
 * prefix the order manager writes) or its state is unknown; null for filled, resting, cancelled and
 * expired orders (an IOC/FOK remainder, a market order the book could not fill), whatever their text.
 */
export function classifyOrderOutcome(order: { status: string; error?: string | null }): VenueFault | null {
  const error = order.error ?? "";
  const prefix = /^([A-Z_]+):/.exec(error)?.[1] ?? "";
  if (prefix === "ORDER_STATE_UNKNOWN") return { kind: "transport", code: prefix, message: error };
  if (order.status !== "rejected") return null;
  if (isCode(prefix)) {
    const kind = FAULT_BY_CODE[prefix];
    return kind ? { kind, code: prefix, message: error } : null;
  }
  return { kind: "rejection", code: null, message: error || "order rejected" };
}
