import { AsyncLocalStorage } from "node:async_hooks";
import { systemClock, type Clock } from "../core/clock";
import type { Logger } from "../core/logger";

/**
 * Keeps a ccxt Binance client inside the venue's REST rate limits, so it never earns a 429, and never
 * a 418 ban when it gets one anyway:
 * - before every REST request (ccxt's fetch2, so market data and ccxt's own calls count too) it waits
 *   while the request would take the minute's request weight, or a new order the 10-second / daily
 *   order count, past `headroomPct` below the venue's limit;
 * - it reads the usage Binance reports on every answer (X-MBX-USED-WEIGHT-1M, X-MBX-ORDER-COUNT-10S,
 *   X-MBX-ORDER-COUNT-1D) and counts what it sent itself (the larger of the two wins: other clients
 *   on the same IP count too);
 * - after a 429 or 418 it sends nothing until the answer's Retry-After has passed (the requests wait;
 *   the one that got the 429 fails as RATE_LIMITED and its caller retries), so it never ignores a 429;
 * - the limits are the venue's own (exchangeInfo rateLimits, read from the answer when ccxt loads the
 *   markets), Binance's published ones until then.
 * Windows are fixed intervals of the real clock (minute, 10 s, UTC day), as Binance counts them.
 * Installing the gate switches ccxt's own pacing off (enableRateLimit): the gate replaces it.
 *
 * Priority: requests made inside withVenuePriority() (the kill switch, exits, cancels) may use half of
 * the headroom the others leave free, so after a burst they do not wait for the next window; they
 * still wait out a Retry-After and never pass the venue's hard limit (with 10 % headroom: ordinary
 * requests up to 90 % of each limit, priority ones up to 95 %).
 */

const priorityContext = new AsyncLocalStorage<boolean>();

/**
 * Run `fn` with venue priority (or, with `priority` false, explicitly without it, e.g. an entry sent
 * from a listener of an exit's fill): every REST request it makes, awaited or not, is judged so.
 */
export function withVenuePriority<T>(fn: () => T, priority = true): T {
  return priorityContext.run(priority, fn);
}

/** True inside withVenuePriority(). */
export function hasVenuePriority(): boolean {
  return priorityContext.getStore() === true;
}

export interface VenueUsageLimits {
  requestWeightPerMinute: number;
  ordersPer10s: number;
  ordersPerDay: number;
}

export const BINANCE_USAGE_LIMITS: Readonly<VenueUsageLimits> = Object.freeze({ requestWeightPerMinute: 6_000, ordersPer10s: 100, ordersPerDay: 200_000 });

export interface VenueUsageOptions {
  limits?: Partial<VenueUsageLimits>;
  /** Percent of each limit kept free for other clients and for requests already in flight (default 10). */
  headroomPct?: number;
  /** Real clock: rate-limit windows are real time, whatever the engine's clock. */
  clock?: Clock;
  sleep?: (ms: number) => Promise<void>;
  logger?: Logger;
}

export interface VenueUsageSnapshot {
  limits: VenueUsageLimits;
  usedWeight1m: number;
  orderCount10s: number;
  orderCount1d: number;
  /** Epoch ms until which nothing is sent (after a 429/418), or null. */
  backoffUntil: number | null;
  /** Requests that waited for a window or a Retry-After. */
  waits: number;
  /** 429 and 418 answers seen (both should stay 0). */
  tooManyRequests: number;
  banned: number;
}

const MINUTE = 60_000;
const TEN_S = 10_000;
const DAY = 86_400_000;
/** Past a window's boundary by this much before sending again (the venue's clock may lag ours a little). */
const BOUNDARY_MARGIN_MS = 100;

interface Counter {
  window: number;
  sent: number;
  reported: number;
  /** Sent in this window and not yet answered: the venue counts a request when it arrives, maybe in the next window. */
  inFlight: number;
}

/** Which windows a request was counted in (acquire), so its answer settles it there (settle). */
export interface UsageTicket {
  weight: number;
  orders: number;
  windows: readonly [weight: number, orders10s: number, ordersDay: number];
}

function header(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v === undefined || v === null ? undefined : String(v);
  return undefined;
}

/** Binance spot's request weight of a ccxt call (api, method, path, params); SAPI has its own limits (0 here). */
export function binanceRequestWeight(api: unknown, method: string, path: string, params: Record<string, unknown> = {}): number {
  const section = Array.isArray(api) ? String(api[0]) : String(api);
  if (section !== "public" && section !== "private") return 0;
  const has = (k: string) => params[k] !== undefined;
  switch (`${method.toUpperCase()} ${path}`) {
    case "GET exchangeInfo":
    case "GET account":
    case "GET allOrders":
    case "GET myTrades":
    case "GET account/commission":
      return 20;
    case "GET trades":
    case "GET historicalTrades":
      return 25;
    case "GET depth": {
      const limit = Number(params.limit ?? 100);
      return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
    }
    case "GET order":
    case "GET aggTrades":
      return 4;
    case "GET openOrders":
      return has("symbol") ? 6 : 80;
    case "GET ticker/24hr":
      return has("symbol") ? 2 : 80;
    case "GET ticker/price":
    case "GET ticker/bookTicker":
      return has("symbol") ? 2 : 4;
    case "GET klines":
    case "GET uiKlines":
    case "GET avgPrice":
      return 2;
    default:
      return 1;
  }
}

/** New orders a ccxt call places (Binance's ORDERS count). */
export function binanceOrdersPlaced(api: unknown, method: string, path: string): number {
  const section = Array.isArray(api) ? String(api[0]) : String(api);
  if (section !== "private" || method.toUpperCase() !== "POST") return 0;
  if (path === "order" || path === "order/cancelReplace") return 1;
  if (path === "orderList/oco" || path === "orderList/oto" || path === "order/oco") return 2;
  if (path === "orderList/otoco") return 3;
  return 0;
}

export class VenueUsageGate {
  private limitsValue: VenueUsageLimits;
  private readonly keep: number;
  /** What priority requests may use of each limit (half of the headroom). */
  private readonly keepPriority: number;
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly logger: Logger | undefined;
  private readonly weight: Counter = { window: -1, sent: 0, reported: 0, inFlight: 0 };
  private readonly orders10s: Counter = { window: -1, sent: 0, reported: 0, inFlight: 0 };
  private readonly ordersDay: Counter = { window: -1, sent: 0, reported: 0, inFlight: 0 };
  private backoffUntil = 0;
  private waits = 0;
  private tooManyRequests = 0;
  private banned = 0;

  constructor(options: VenueUsageOptions = {}) {
    this.limitsValue = { ...BINANCE_USAGE_LIMITS, ...options.limits };
    const headroom = Math.min(50, Math.max(0, options.headroomPct ?? 10)) / 100;
    this.keep = 1 - headroom;
    this.keepPriority = 1 - headroom / 2;
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.logger = options.logger;
  }

  get limits(): VenueUsageLimits {
    return { ...this.limitsValue };
  }

  /** The venue's own limits (exchangeInfo rateLimits). */
  setLimits(limits: Partial<VenueUsageLimits>): void {
    this.limitsValue = { ...this.limitsValue, ...limits };
  }

  private roll(c: Counter, now: number, size: number): void {
    const window = Math.floor(now / size);
    if (c.window !== window) {
      // What the last window sent and is still on its way will be counted by the venue in this one (a
      // loaded machine or a slow network delays a burst sent at its end): start from it, not from zero.
      // Older requests have landed or timed out by now.
      c.sent = window === c.window + 1 ? c.inFlight : 0;
      c.inFlight = 0;
      c.window = window;
      c.reported = 0;
    }
  }

  private used(c: Counter): number {
    return Math.max(c.sent, c.reported);
  }

  /**
   * Wait until a request of this weight (placing this many orders) fits, then count it as sent.
   * `priority` (default: inside withVenuePriority) lets it use half of the headroom.
   */
  async acquire(weight: number, orders: number, priority = hasVenuePriority()): Promise<UsageTicket> {
    const keep = priority ? this.keepPriority : this.keep;
    let waited = false;
    for (;;) {
      const now = this.clock.now();
      let wait = 0;
      if (now < this.backoffUntil) wait = this.backoffUntil - now;
      else {
        this.roll(this.weight, now, MINUTE);
        this.roll(this.orders10s, now, TEN_S);
        this.roll(this.ordersDay, now, DAY);
        const weightCap = Math.floor(this.limitsValue.requestWeightPerMinute * keep);
        if (weight > 0 && this.used(this.weight) + weight > weightCap && this.used(this.weight) > 0) {
          wait = (this.weight.window + 1) * MINUTE - now + BOUNDARY_MARGIN_MS;
        } else if (orders > 0) {
          if (this.used(this.ordersDay) + orders > Math.floor(this.limitsValue.ordersPerDay * keep)) {
            wait = (this.ordersDay.window + 1) * DAY - now + BOUNDARY_MARGIN_MS;
          } else if (this.used(this.orders10s) + orders > Math.max(1, Math.floor(this.limitsValue.ordersPer10s * keep))) {
            wait = (this.orders10s.window + 1) * TEN_S - now + BOUNDARY_MARGIN_MS;
          }
        }
      }
      if (wait <= 0) break;
      if (!waited) {
        waited = true;
        this.waits += 1;
        this.logger?.info({ waitMs: Math.round(wait), weight, orders, priority, usedWeight1m: this.used(this.weight), orderCount10s: this.used(this.orders10s) }, "venue rate limit: waiting before the next request");
      }
      await this.sleep(Math.max(1, Math.ceil(wait)));
    }
    this.weight.sent += weight;
    this.orders10s.sent += orders;
    this.ordersDay.sent += orders;
    this.weight.inFlight += weight;
    this.orders10s.inFlight += orders;
    this.ordersDay.inFlight += orders;
    return { weight, orders, windows: [this.weight.window, this.orders10s.window, this.ordersDay.window] };
  }

  /** The request counted by acquire() has its answer (or failed): it can no longer land in a later window. */
  settle(ticket: UsageTicket): void {
    const [w, o10, oDay] = ticket.windows;
    if (this.weight.window === w) this.weight.inFlight = Math.max(0, this.weight.inFlight - ticket.weight);
    if (this.orders10s.window === o10) this.orders10s.inFlight = Math.max(0, this.orders10s.inFlight - ticket.orders);
    if (this.ordersDay.window === oDay) this.ordersDay.inFlight = Math.max(0, this.ordersDay.inFlight - ticket.orders);
  }

  /** Read an answer: usage headers, and Retry-After on a 429 / 418. */
  observe(status: number, headers: Record<string, unknown> | undefined): void {
    const now = this.clock.now();
    const usedWeight = Number(header(headers, "X-MBX-USED-WEIGHT-1M"));
    if (Number.isFinite(usedWeight)) {
      this.roll(this.weight, now, MINUTE);
      this.weight.reported = Math.max(this.weight.reported, usedWeight);
    }
    const count10s = Number(header(headers, "X-MBX-ORDER-COUNT-10S"));
    if (Number.isFinite(count10s)) {
      this.roll(this.orders10s, now, TEN_S);
      this.orders10s.reported = Math.max(this.orders10s.reported, count10s);
    }
    const countDay = Number(header(headers, "X-MBX-ORDER-COUNT-1D"));
    if (Number.isFinite(countDay)) {
      this.roll(this.ordersDay, now, DAY);
      this.ordersDay.reported = Math.max(this.ordersDay.reported, countDay);
    }
    if (status === 429 || status === 418) {
      if (status === 429) this.tooManyRequests += 1;
      else this.banned += 1;
      const retryAfter = Number(header(headers, "Retry-After"));
      const ms = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 + BOUNDARY_MARGIN_MS : status === 418 ? 120_000 : (Math.floor(now / MINUTE) + 1) * MINUTE - now;
      this.backoffUntil = Math.max(this.backoffUntil, now + ms);
      this.logger?.warn({ status, retryAfterMs: ms }, "venue answered too many requests: nothing is sent until its Retry-After has passed");
    }
  }

  /** Binance's exchangeInfo body: take its rateLimits. */
  observeExchangeInfo(body: unknown): void {
    const list = (body as { rateLimits?: unknown } | null)?.rateLimits;
    if (!Array.isArray(list)) return;
    const next: Partial<VenueUsageLimits> = {};
    for (const l of list as Array<Record<string, unknown>>) {
      const limit = Number(l.limit);
      if (!(limit > 0)) continue;
      const span = `${l.intervalNum}${String(l.interval)}`;
      if (l.rateLimitType === "REQUEST_WEIGHT" && span === "1MINUTE") next.requestWeightPerMinute = limit;
      if (l.rateLimitType === "ORDERS" && span === "10SECOND") next.ordersPer10s = limit;
      if (l.rateLimitType === "ORDERS" && span === "1DAY") next.ordersPerDay = limit;
    }
    this.setLimits(next);
  }

  snapshot(): VenueUsageSnapshot {
    const now = this.clock.now();
    this.roll(this.weight, now, MINUTE);
    this.roll(this.orders10s, now, TEN_S);
    this.roll(this.ordersDay, now, DAY);
    return {
      limits: this.limits,
      usedWeight1m: this.used(this.weight),
      orderCount10s: this.used(this.orders10s),
      orderCount1d: this.used(this.ordersDay),
      backoffUntil: now < this.backoffUntil ? this.backoffUntil : null,
      waits: this.waits,
      tooManyRequests: this.tooManyRequests,
      banned: this.banned,
    };
  }
}

type Fetch2 = (path: string, api: unknown, method: string, params: Record<string, unknown>, headers: unknown, body: unknown, config: unknown) => Promise<unknown>;
type OnRestResponse = (status: number, statusText: string, url: string, method: string, headers: Record<string, unknown>, body: string, ...rest: unknown[]) => string;

const GATED = Symbol.for("tradekeel.venueUsageGate");

/**
 * Put a gate in front of a ccxt client's REST calls (fetch2) and let it read every answer
 * (onRestResponse). One gate per client: a second call returns the gate already installed.
 */
export function installUsageGate(exchange: object, options: VenueUsageOptions = {}): VenueUsageGate {
  const target = exchange as Record<string | symbol, unknown> & { fetch2: Fetch2; onRestResponse: OnRestResponse };
  const existing = target[GATED];
  if (existing instanceof VenueUsageGate) return existing;
  const gate = new VenueUsageGate(options);
  const fetch2 = target.fetch2.bind(exchange) as Fetch2;
  const onRestResponse = target.onRestResponse.bind(exchange) as OnRestResponse;
  target.fetch2 = async (path, api, method, params, headers, body, config) => {
    const ticket = await gate.acquire(binanceRequestWeight(api, method, path, params ?? {}), binanceOrdersPlaced(api, method, path));
    try {
      return await fetch2(path, api, method, params, headers, body, config);
    } finally {
      gate.settle(ticket);
    }
  };
  target.onRestResponse = (status, statusText, url, method, headers, body, ...rest) => {
    try {
      gate.observe(status, headers);
      if (status === 200 && url.includes("/exchangeInfo")) gate.observeExchangeInfo(JSON.parse(body));
    } catch {
      // Reading usage must never break an answer.
    }
    return onRestResponse(status, statusText, url, method, headers, body, ...rest);
  };
  // The gate keeps to the venue's published limits; ccxt's generic pacing (Binance: one request per
  // 50 ms, queued) would only serialise bursts such as a kill switch's cancels and closes.
  (exchange as { enableRateLimit?: boolean }).enableRateLimit = false;
  target[GATED] = gate;
  return gate;
}
