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
