import type { AppConfig } from "../config";
import { systemClock, type Clock } from "../core/clock";
import { AppError, errorMessage } from "../core/errors";
import type { Logger } from "../core/logger";
import type { Database } from "../db/database";
import { PrismaCandleStore } from "../db/repositories/candle-store";
import { feeScheduleFromCcxt } from "../execution";
import { MarketDataService, createExchange, describeVenue, instrumentFromMarket } from "../market";
import { DEFAULT_ACCOUNT, startSimulator, type SimulatorHandle } from "../simulator";
import type { VenueConnection } from "../engine/runtime";
import type { Instrument } from "../model/types";

/**
 * The venue factory: what the app trades on. The built-in simulator (when the venue is "simulator",
 * started here or followed at SIM_URL), one ccxt exchange for market data and live orders, the
 * instruments and fees it lists, the market data service, and the clock of that market.
 *
 * Clock: the market's clock. On a real exchange that is the system clock; on the simulator it is the
 * simulator's (which runs SIM_SPEED times faster), so fills, trades, equity points and cooldowns are
 * stamped in the same time as the candles they belong to.
 */
export type { VenueConnection };

export interface ConnectVenueOptions {
  config: AppConfig;
  db: Database;
  logger: Logger;
  /** Exchange keys entered in Settings (stored encrypted); the environment's VENUE_API_KEY wins. */
  credentials?: () => Promise<{ apiKey: string; secret: string } | null>;
}

export async function connectVenue(options: ConnectVenueOptions): Promise<VenueConnection> {
  const { config, logger } = options;
  const venue = describeVenue(config.venue.id);
  let clock: Clock = systemClock;
  let simulator: SimulatorHandle | undefined;
  let simulatorEndpoints: { restUrl: string; wsUrl: string; wsApiUrl: string; defaultAccount: { apiKey: string; secret: string } } | undefined;
  if (venue.simulated && config.simulator.url) {
    // A simulator that already runs (npm run simulator): its clock is followed from its own state.
    const url = config.simulator.url;
    const state = await fetch(`${url}/admin/state`)
      .then((r) => r.json() as Promise<{ now: number; speed: number }>)
      .catch((err) => {
        throw new AppError("SIMULATOR_UNREACHABLE", `no simulator answers at SIM_URL=${url}: ${errorMessage(err)}`, 503);
      });
    const measuredAt = Date.now();
    clock = { now: () => Math.round(state.now + (Date.now() - measuredAt) * state.speed) };
    const ws = url.replace(/^http/, "ws");
    simulatorEndpoints = { restUrl: url, wsUrl: `${ws}/stream/ws`, wsApiUrl: `${ws}/ws-api/v3`, defaultAccount: { apiKey: DEFAULT_ACCOUNT.apiKey, secret: DEFAULT_ACCOUNT.secret } };
    logger.info({ url, speed: state.speed }, "using the running exchange simulator (SIMULATED)");
  } else if (venue.simulated) {
    simulator = await startSimulator({
      port: config.simulator.port,
      seed: config.simulator.seed,
      speed: config.simulator.speed,
      symbols: config.simulator.symbols,
      historyDays: config.simulator.historyDays,
      csv: config.simulator.csv ? { symbol: config.trading.symbols[0], path: config.simulator.csv } : undefined,
    });
    const sim = simulator;
    clock = { now: () => sim.now() };
    simulatorEndpoints = { restUrl: sim.restUrl, wsUrl: sim.wsUrl, wsApiUrl: sim.wsApiUrl, defaultAccount: sim.defaultAccount };
    logger.info({ rest: sim.restUrl, speed: config.simulator.speed }, "built-in exchange simulator started (SIMULATED)");
  }

  let keys: { apiKey?: string; secret?: string } = { apiKey: config.venue.apiKey, secret: config.venue.secret };
  if (!keys.apiKey && !venue.simulated && options.credentials) {
    const stored = await options.credentials().catch((err) => {
      logger.warn({ err }, "stored exchange keys could not be read");
      return null;
    });
    if (stored) keys = { apiKey: stored.apiKey, secret: stored.secret };
  }
  const exchange = await createExchange({ id: config.venue.id, ...keys }, simulatorEndpoints ? { simulator: simulatorEndpoints } : {});
  const close = async () => {
    await (exchange as unknown as { close?: () => Promise<void> })?.close?.().catch(() => {});
    await simulator?.close().catch(() => {});
  };
  try {
    try {
      await exchange.loadMarkets();
    } catch (err) {
      throw new AppError("VENUE_UNREACHABLE", `cannot load markets from ${venue.id}: ${errorMessage(err)}`, 503);
    }
    const instruments = new Map<string, Instrument>();
    for (const symbol of new Set([...config.trading.symbols, ...(venue.simulated ? config.simulator.symbols : [])])) {
      const market = exchange.markets?.[symbol];
      if (!market) {
        if (config.trading.symbols.includes(symbol)) throw new AppError("UNKNOWN_SYMBOL", `${venue.id} does not list ${symbol} (TRADING_SYMBOLS)`, 400);
        continue;
      }
      instruments.set(symbol, instrumentFromMarket(symbol, market));
    }
    const fees = feeScheduleFromCcxt(exchange, config.trading.symbols[0]);
    const candleStore = new PrismaCandleStore(options.db.prisma, venue.id);
    const market = new MarketDataService({
      exchange: exchange as never,
      symbols: [...instruments.keys()].filter((s) => config.trading.symbols.includes(s) || venue.simulated),
      store: candleStore,
      exchangeClock: clock,
      // Two days: enough 5m candles for the first models' walk-forward evaluation (server/ai).
      warmupMinutes: 2 * 24 * 60,
      streams: { orderbook: true, trades: false, ticker: "auto" },
    });
    return { venue, clock, exchange, simulator, instruments, fees, hasKeys: Boolean(keys.apiKey && keys.secret), candleStore, market, close };
  } catch (err) {
    await close();
    throw err;
  }
}
