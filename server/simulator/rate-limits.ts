import { BinanceError } from "./binance-errors";

/**
 * Binance spot's REST rate limits, enforced as Binance does:
 * - REQUEST_WEIGHT: every /api/v3 request costs its endpoint's weight (table below, from Binance's
 *   spot API documentation); 6000 per minute per IP. Every response carries X-MBX-USED-WEIGHT-1M.
 * - ORDERS: new orders (POST order, cancelReplace, order lists: one per order in the list) per
 *   account, 100 per 10 s and 200,000 per day; order responses carry X-MBX-ORDER-COUNT-10S and
 *   X-MBX-ORDER-COUNT-1D.
 * - Over a limit: HTTP 429 with -1003 (weight) or -1015 (orders) and Retry-After = the seconds until
 *   the window ends. A client that keeps sending during that back-off (any request after a weight
 *   429, a new order after an order-count 429; not within a second of the 429, when requests already
 *   on their way arrive) is ignoring the 429: after
 *   `ignoredBeforeBan` such requests its IP is banned, HTTP 418 (-1003 "Way too much request weight
 *   used; IP banned until …") for 2 minutes, doubling on each further ban up to 3 days.
 * Windows are fixed intervals of the real clock (the minute, the 10 seconds, the UTC day), as the
 * counters Binance reports reset on interval boundaries. SAPI endpoints are not counted (Binance
 * keeps separate limits for them).
 */

export interface RateLimitConfig {
  requestWeightPerMinute: number;
  ordersPer10s: number;
  ordersPerDay: number;
  /** Requests sent during a 429's Retry-After before the IP is banned (418). */
  ignoredBeforeBan: number;
  /** First ban length; each further ban doubles it, up to 3 days. */
  banMs: number;
}

export const BINANCE_RATE_LIMITS: Readonly<RateLimitConfig> = Object.freeze({
  requestWeightPerMinute: 6_000,
  ordersPer10s: 100,
  ordersPerDay: 200_000,
  ignoredBeforeBan: 3,
  banMs: 120_000,
});

const MAX_BAN_MS = 3 * 86_400_000;
/** Requests within this long of a 429 were already on their way: they do not count towards a ban. */
const IN_FLIGHT_GRACE_MS = 1_000;
const MINUTE = 60_000;
const TEN_S = 10_000;
const DAY = 86_400_000;

function countSymbols(params: Map<string, string>): number | undefined {
  const raw = params.get("symbols");
  if (!raw) return undefined;
  try {
    const list = JSON.parse(raw);
    return Array.isArray(list) ? list.length : undefined;
  } catch {
    return undefined;
  }
}

/** Binance spot's request weight of an endpoint (method + path + parameters). */
export function requestWeight(method: string, path: string, params: Map<string, string>): number {
  const key = `${method} ${path}`;
  const hasSymbol = params.has("symbol");
  const symbols = countSymbols(params);
  switch (key) {
    case "GET /api/v3/depth": {
      const limit = Number(params.get("limit") ?? 100);
      return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
    }
    case "GET /api/v3/exchangeInfo":
    case "GET /api/v3/account":
    case "GET /api/v3/allOrders":
    case "GET /api/v3/myTrades":
    case "GET /api/v3/allOrderList":
    case "GET /api/v3/account/commission":
      return 20;
    case "GET /api/v3/trades":
    case "GET /api/v3/historicalTrades":
      return 25;
    case "GET /api/v3/aggTrades":
      return 4;
    case "GET /api/v3/order":
    case "GET /api/v3/orderList":
      return 4;
    case "GET /api/v3/openOrders":
      return hasSymbol ? 6 : 80;
    case "GET /api/v3/openOrderList":
      return 6;
    case "GET /api/v3/ticker/24hr":
      if (hasSymbol) return 2;
      if (symbols !== undefined) return symbols <= 20 ? 2 : symbols <= 100 ? 40 : 80;
      return 80;
    case "GET /api/v3/ticker/price":
    case "GET /api/v3/ticker/bookTicker":
      return hasSymbol ? 2 : 4;
    case "GET /api/v3/klines":
    case "GET /api/v3/uiKlines":
    case "GET /api/v3/avgPrice":
      return 2;
    case "POST /api/v3/order/test":
      return params.get("computeCommissionRates") === "true" ? 20 : 1;
    case "GET /api/v3/rateLimit/order":
      return 40;
    default:
      return 1;
  }
}

/** New orders a request places (Binance's ORDERS count). */
export function ordersPlaced(method: string, path: string, params: Map<string, string>): number {
  if (method !== "POST") return 0;
  if (path === "/api/v3/order" || path === "/api/v3/order/cancelReplace") return 1;
  if (path === "/api/v3/orderList/oco" || path === "/api/v3/order/oco" || path === "/api/v3/orderList/oto") return 2;
  if (path === "/api/v3/orderList/otoco") return 3;
  void params;
  return 0;
}

interface Window {
  start: number;
  count: number;
}

interface IpState {
  weight: Window;
  /** A 429 was answered: requests before this time ignore it. */
  backoffUntil: number;
  /** When the last 429 was answered: requests sent before the client could have read it are not "ignoring" it. */
  limitedAt: number;
  ignored: number;
  bannedUntil: number;
  bans: number;
}

interface AccountState {
  tenSeconds: Window;
  day: Window;
  /** A -1015 was answered: new orders before this time ignore it. */
  orderBackoffUntil: number;
}

export type RateDecision =
  | { ok: true; headers: Record<string, string> }
  | { ok: false; error: BinanceError; headers: Record<string, string> };

export class RateLimiter {
  private readonly ips = new Map<string, IpState>();
  private readonly accounts = new Map<string, AccountState>();
  /** Refusals so far: a client that keeps to the limits leaves all three at 0. */
  readonly refused = { weight429: 0, orders429: 0, bans418: 0 };

  constructor(
    readonly config: RateLimitConfig,
    private readonly now: () => number,
  ) {}

  private ip(address: string): IpState {
    let s = this.ips.get(address);
    if (!s) this.ips.set(address, (s = { weight: { start: 0, count: 0 }, backoffUntil: 0, limitedAt: 0, ignored: 0, bannedUntil: 0, bans: 0 }));
    return s;
  }

  private account(apiKey: string): AccountState {
    let s = this.accounts.get(apiKey);
    if (!s) this.accounts.set(apiKey, (s = { tenSeconds: { start: 0, count: 0 }, day: { start: 0, count: 0 }, orderBackoffUntil: 0 }));
    return s;
  }

  private static roll(w: Window, now: number, size: number): void {
    const start = Math.floor(now / size) * size;
    if (w.start !== start) {
      w.start = start;
      w.count = 0;
    }
  }

  /** Used weight of an IP in the current minute (for /admin/state and tests). */
  usedWeight(address: string): number {
    const s = this.ips.get(address);
    if (!s) return 0;
    RateLimiter.roll(s.weight, this.now(), MINUTE);
    return s.weight.count;
  }

  /**
   * Count one request. `weight` is the endpoint's weight (0 for SAPI), `orders` the new orders it
   * places, `apiKey` the account it places them for.
   */
  admit(address: string, weight: number, orders: number, apiKey: string | undefined): RateDecision {
    const now = this.now();
    const ip = this.ip(address);
    if (now < ip.bannedUntil) {
      const retry = Math.ceil((ip.bannedUntil - now) / 1000);
      this.refused.bans418 += 1;
      return { ok: false, error: banned(ip.bannedUntil, retry), headers: {} };
    }
    const acc = orders > 0 && apiKey !== undefined ? this.account(apiKey) : undefined;
    // Sending during a 429's Retry-After ignores it: any request after a weight 429, a new order
    // after an order-count 429.
    const inBackoff = now < ip.backoffUntil || (acc !== undefined && now < acc.orderBackoffUntil);
    if (inBackoff && now - ip.limitedAt < IN_FLIGHT_GRACE_MS) {
      // Sent before the 429 could have reached the client: refused again, not held against it.
    } else if (inBackoff) {
      ip.ignored += 1;
      if (ip.ignored >= this.config.ignoredBeforeBan) {
        const length = Math.min(MAX_BAN_MS, this.config.banMs * 2 ** ip.bans);
        ip.bans += 1;
        ip.bannedUntil = now + length;
        ip.ignored = 0;
        ip.backoffUntil = 0;
        if (acc) acc.orderBackoffUntil = 0;
        this.refused.bans418 += 1;
        return { ok: false, error: banned(ip.bannedUntil, Math.ceil(length / 1000)), headers: {} };
      }
    } else {
      ip.ignored = 0;
    }
    RateLimiter.roll(ip.weight, now, MINUTE);
    ip.weight.count += weight;
    const headers: Record<string, string> = { "X-MBX-USED-WEIGHT-1M": String(ip.weight.count) };
    if (weight > 0 && ip.weight.count > this.config.requestWeightPerMinute) {
      const until = ip.weight.start + MINUTE;
      if (!inBackoff) ip.limitedAt = now;
      ip.backoffUntil = Math.max(ip.backoffUntil, until);
      const retry = Math.max(1, Math.ceil((until - now) / 1000));
      this.refused.weight429 += 1;
      return { ok: false, error: weightExceeded(this.config.requestWeightPerMinute, retry), headers: { ...headers, "Retry-After": String(retry) } };
    }
    if (acc !== undefined) {
      RateLimiter.roll(acc.tenSeconds, now, TEN_S);
      RateLimiter.roll(acc.day, now, DAY);
      acc.tenSeconds.count += orders;
      acc.day.count += orders;
      headers["X-MBX-ORDER-COUNT-10S"] = String(acc.tenSeconds.count);
      headers["X-MBX-ORDER-COUNT-1D"] = String(acc.day.count);
      const over10s = acc.tenSeconds.count > this.config.ordersPer10s;
      const overDay = acc.day.count > this.config.ordersPerDay;
      if (over10s || overDay) {
        const until = overDay ? acc.day.start + DAY : acc.tenSeconds.start + TEN_S;
        if (!inBackoff) ip.limitedAt = now;
        acc.orderBackoffUntil = Math.max(acc.orderBackoffUntil, until);
        const retry = Math.max(1, Math.ceil((until - now) / 1000));
        this.refused.orders429 += 1;
        const error = overDay ? tooManyOrders(this.config.ordersPerDay, "DAY", retry) : tooManyOrders(this.config.ordersPer10s, "10 SECOND", retry);
        return { ok: false, error, headers: { ...headers, "Retry-After": String(retry) } };
      }
    }
    return { ok: true, headers };
  }
}

function weightExceeded(limit: number, retryAfterSec: number): BinanceError {
  return new BinanceError(
    -1003,
    `Too much request weight used; current limit is ${limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`,
    429,
    { "Retry-After": String(retryAfterSec) },
  );
}

function tooManyOrders(limit: number, interval: string, retryAfterSec: number): BinanceError {
  return new BinanceError(-1015, `Too many new orders; current limit is ${limit} orders per ${interval}.`, 429, { "Retry-After": String(retryAfterSec) });
}

function banned(until: number, retryAfterSec: number): BinanceError {
  return new BinanceError(
    -1003,
    `Way too much request weight used; IP banned until ${until}. Please use WebSocket Streams for live updates to avoid bans.`,
    418,
    { "Retry-After": String(retryAfterSec) },
  );
}
