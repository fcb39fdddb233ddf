import ccxt, { type Exchange } from "ccxt";
import { futuresUrls } from "../simulator/futures/urls";
import { guardCcxtWebsocketSends } from "./ccxt-guards";

/**
 * The single place that builds a ccxt (pro) instance for a venue.
 * - "simulator": ccxt's real binance class with every URL pointed at the built-in simulator
 *   (nothing it does can leave loopback), so signing, orders, streams and errors run for real.
 * - "binance": Binance spot mainnet. "binance-testnet": Binance's spot testnet (sandbox mode).
 * - any other id: that ccxt pro exchange, as ccxt ships it.
 */

export interface VenueRef {
  id: string;
  apiKey?: string;
  secret?: string;
}

/** Where the simulator listens; the handle returned by startSimulator() fits this shape. */
export interface SimulatorEndpoints {
  /** REST origin, e.g. http://127.0.0.1:9100. */
  restUrl: string;
  /** Spot stream base, e.g. ws://127.0.0.1:9100/stream/ws (must contain "/stream", ccxt keys spot sockets on it). */
  wsUrl: string;
  /** WebSocket API URL; default: ws://<wsUrl host>/ws-api/v3. */
  wsApiUrl?: string;
  /** Used when the venue carries no credentials. */
  defaultAccount?: { apiKey: string; secret: string };
}

export interface CreateExchangeOptions {
  simulator?: SimulatorEndpoints;
}

export type VenueLabel = "SIMULATED" | "TESTNET" | "REAL MONEY";

export interface VenueDescription {
  id: string;
  simulated: boolean;
  testnet: boolean;
  label: VenueLabel;
}

export class VenueConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VenueConfigError";
  }
}

const VENUE_ID = /^[a-z0-9-]+$/;

export function describeVenue(id: string): VenueDescription {
  if (!VENUE_ID.test(id)) throw new VenueConfigError(`invalid venue id "${id}": use simulator, binance, binance-testnet or a ccxt exchange id`);
  if (id === "simulator") return { id, simulated: true, testnet: false, label: "SIMULATED" };
  if (id === "binance-testnet") return { id, simulated: false, testnet: true, label: "TESTNET" };
  return { id, simulated: false, testnet: false, label: "REAL MONEY" };
}

/** The app trades spot only: load spot markets with one call, skip margin/futures/currency start-up calls. */
const BINANCE_SPOT_OPTIONS = {
  defaultType: "spot",
  fetchMarkets: { types: ["spot"] },
  fetchCurrencies: false,
  fetchMargins: false,
};

type Urls = Record<string, unknown>;

function swapOrigin(url: string, origin: string): string {
  const parsed = new URL(url);
  return `${origin}${parsed.pathname}`;
}

/**
 * Point every Binance REST and WebSocket URL at the simulator. Spot endpoints land on what the
 * simulator serves; anything else lands on a simulator path that answers "not supported", so a
 * stray futures or sapi call fails loudly instead of reaching the real exchange.
 */
function simulatorUrls(urls: Urls, sim: SimulatorEndpoints): Urls {
  const restOrigin = new URL(sim.restUrl).origin;
  const ws = new URL(sim.wsUrl);
  const wsOrigin = `${ws.protocol}//${ws.host}`;
  const wsApiUrl = sim.wsApiUrl ?? `${wsOrigin}/ws-api/v3`;
  const mapWs = (node: unknown, path: string[]): unknown => {
    if (typeof node === "string") {
      const key = path.join(".");
      if (key === "spot" || key === "margin") return sim.wsUrl;
      if (key === "ws-api.spot") return wsApiUrl;
      return `${wsOrigin}/unsupported/${path.join("/")}`;
    }
    if (node && typeof node === "object") {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, mapWs(v, [...path, k])]));
    }
    return node;
  };
  const mapSection = (section: unknown): unknown => {
    if (!section || typeof section !== "object") return section;
    return Object.fromEntries(
      Object.entries(section).map(([k, v]) => {
        if (k === "ws") return [k, mapWs(v, [])];
        if (typeof v === "string" && /^https?:\/\//.test(v)) return [k, swapOrigin(v, restOrigin)];
        return [k, v];
      }),
    );
  };
  return { ...urls, api: mapSection(urls.api), test: mapSection(urls.test), demo: mapSection(urls.demo) };
}

function checkSimulatorEndpoints(sim: SimulatorEndpoints | undefined): SimulatorEndpoints {
  if (!sim) throw new VenueConfigError('venue "simulator" needs the simulator\'s restUrl and wsUrl (start it with startSimulator())');
  let rest: URL;
  let ws: URL;
  try {
    rest = new URL(sim.restUrl);
    ws = new URL(sim.wsUrl);
  } catch {
    throw new VenueConfigError(`simulator URLs are not valid URLs: ${sim.restUrl} / ${sim.wsUrl}`);
  }
  if (rest.protocol !== "http:" && rest.protocol !== "https:") throw new VenueConfigError(`simulator restUrl must be http(s): ${sim.restUrl}`);
  if (ws.protocol !== "ws:" && ws.protocol !== "wss:") throw new VenueConfigError(`simulator wsUrl must be ws(s): ${sim.wsUrl}`);
  if (!ws.pathname.includes("/stream")) throw new VenueConfigError(`simulator wsUrl must contain "/stream" (ccxt uses it to recognise spot sockets): ${sim.wsUrl}`);
  return sim;
}

function credentials(venue: VenueRef): { apiKey?: string; secret?: string } {
  if ((venue.apiKey === undefined) !== (venue.secret === undefined)) {
    throw new VenueConfigError(`venue "${venue.id}": give both apiKey and secret, or neither`);
  }
  return venue.apiKey !== undefined ? { apiKey: venue.apiKey, secret: venue.secret } : {};
}

export async function createExchange(venue: VenueRef, opts: CreateExchangeOptions = {}): Promise<Exchange> {
  const exchange = await buildExchange(venue, opts);
  // ccxt can send on a socket that just closed without catching the failure: guard every instance.
  guardCcxtWebsocketSends(exchange);
  return exchange;
}

async function buildExchange(venue: VenueRef, opts: CreateExchangeOptions): Promise<Exchange> {
  const description = describeVenue(venue.id);
  const keys = credentials(venue);

  if (description.simulated) {
    const sim = checkSimulatorEndpoints(opts.simulator);
    const simKeys = keys.apiKey !== undefined ? keys : sim.defaultAccount ? { ...sim.defaultAccount } : {};
    const exchange = new ccxt.pro.binance({ ...simKeys, enableRateLimit: true, options: { ...BINANCE_SPOT_OPTIONS, adjustForTimeDifference: false } });
    exchange.urls = simulatorUrls(exchange.urls as Urls, sim) as typeof exchange.urls;
    // ccxt picks Binance's spot-specific error map by URL (https://api.binance.com/...); the
    // simulator's loopback URL would miss it, so merge it in to map errors exactly as for Binance.
    const exceptions = exchange.exceptions as Record<string, Record<string, unknown>>;
    const spot = (exceptions.spot ?? {}) as Record<string, Record<string, unknown>>;
    exceptions.exact = { ...exceptions.exact, ...spot.exact };
    exceptions.broad = { ...exceptions.broad, ...spot.broad };
    // Plain ws:// needs ccxt's http agent loaded before the first watch call.
    await exchange.loadHttpProxyAgent();
    return exchange;
  }

  if (venue.id === "binanceusdm" && opts.simulator) {
    // USDⓈ-M futures on the built-in simulator: /fapi REST and /fstream websockets (server/simulator/futures).
    const sim = checkSimulatorEndpoints(opts.simulator);
    const simKeys = keys.apiKey !== undefined ? keys : sim.defaultAccount ? { ...sim.defaultAccount } : {};
    // Public trades from <sym>@aggTrade, the trade stream the simulator's /fstream serves (ccxt's default is <sym>@trade).
    const exchange = new ccxt.pro.binanceusdm({
      ...simKeys,
      enableRateLimit: true,
      options: { fetchCurrencies: false, fetchMargins: false, adjustForTimeDifference: false, watchTrades: { name: "aggTrade" }, watchTradesForSymbols: { name: "aggTrade" } },
    });
    exchange.urls = futuresUrls(exchange.urls as Urls, sim.restUrl) as typeof exchange.urls;
    const exceptions = exchange.exceptions as Record<string, Record<string, unknown>>;
    const linear = (exceptions.linear ?? {}) as Record<string, Record<string, unknown>>; // ccxt picks it by the fapi.binance.com URL
    Object.assign(exceptions, { exact: { ...exceptions.exact, ...linear.exact }, broad: { ...exceptions.broad, ...linear.broad } });
    await exchange.loadHttpProxyAgent();
    return exchange;
  }

  if (venue.id === "binance" || venue.id === "binance-testnet") {
    const exchange = new ccxt.pro.binance({ ...keys, enableRateLimit: true, options: { ...BINANCE_SPOT_OPTIONS } });
    if (description.testnet) exchange.setSandboxMode(true);
    return exchange;
  }

  const proClasses = ccxt.pro as unknown as Record<string, new (config: object) => Exchange>;
  const ExchangeClass = Object.prototype.hasOwnProperty.call(proClasses, venue.id) ? proClasses[venue.id] : undefined;
  if (!ExchangeClass) {
    const restOnly = (ccxt.exchanges as string[]).includes(venue.id);
    throw new VenueConfigError(
      restOnly
        ? `ccxt has no websocket (pro) support for "${venue.id}"; pick an exchange from ccxt.pro.exchanges`
        : `unknown venue "${venue.id}": use simulator, binance, binance-testnet or a ccxt exchange id`,
    );
  }
  return new ExchangeClass({ ...keys, enableRateLimit: true });
}
