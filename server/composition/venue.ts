import type { AppConfig } from "../config";
import { systemClock, type Clock } from "../core/clock";
import { AppError, errorMessage } from "../core/errors";
import type { Logger } from "../core/logger";
import { type Database, PrismaCandleStore } from "../db";
import { feeScheduleFromCcxt } from "../execution";
import { MarketDataService, VenueClock, createExchange, describeVenue, exchangeTimeSource, instrumentFromMarket, isLinearSwap, simulatorTimeSource } from "../market";
import { perpSymbol } from "../futures";
import { applyContractSettings, perpContracts } from "./futures";
import { DEFAULT_ACCOUNT, startSimulator, type SimulatorHandle } from "../simulator";
import type { VenueConnection } from "../engine";
import type { Instrument } from "../model/types";

/**
 * The venue factory: what the app trades on. The built-in simulator (when the venue is "simulator",
 * started here or followed at SIM_URL), one ccxt exchange for market data and live orders, the
 * instruments and fees it lists, the market data service, and the clock of that market.
 *
 * Clock: the market's clock, so fills, trades, equity points and cooldowns are stamped in the same time
 * as the candles they belong to. A real exchange: its time (ccxt fetchTime, round-trip corrected, see
 * market/venue-clock.ts), or the system clock when it cannot tell. The built-in simulator: its own
 * clock (SIM_SPEED times faster). A standalone simulator (SIM_URL): a VenueClock on GET /admin/clock
 * (round-trip corrected, re-synced every 10 s, its real speed). `clock.speed` is the venue's speed.
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
  let clock: Clock & { readonly speed?: number; latencyOf?(venueTimestamp: number): number } = systemClock;
  let venueClock: VenueClock | undefined;
  let simulator: SimulatorHandle | undefined;
  let simulatorEndpoints: { restUrl: string; wsUrl: string; wsApiUrl: string; defaultAccount: { apiKey: string; secret: string } } | undefined;
  if (venue.simulated && config.simulator.url) {
    // A simulator that already runs (npm run simulator): its clock is followed from its own state.
    const url = config.simulator.url;
    // Round-trip corrected, re-synced every 10 s, never backwards, with the simulator's own speed
    // (GET /admin/clock): a bot that lags the simulator's time drops closed candles as "from the future".
    const simClock = new VenueClock({ fetchTime: simulatorTimeSource(url), logger, name: "simulator" });
    await simClock.start().catch((err) => {
      throw new AppError("SIMULATOR_UNREACHABLE", `no simulator answers at SIM_URL=${url}: ${errorMessage(err)}`, 503);
    });
    clock = simClock;
    venueClock = simClock;
    const ws = url.replace(/^http/, "ws");
    simulatorEndpoints = { restUrl: url, wsUrl: `${ws}/stream/ws`, wsApiUrl: `${ws}/ws-api/v3`, defaultAccount: { apiKey: DEFAULT_ACCOUNT.apiKey, secret: DEFAULT_ACCOUNT.secret } };
    logger.info({ url, speed: simClock.speed, rttMs: simClock.status().rttMs }, "using the running exchange simulator (SIMULATED)");
  } else if (venue.simulated) {
    simulator = await startSimulator({
      port: config.simulator.port,
      seed: config.simulator.seed,
      speed: config.simulator.speed,
      symbols: config.simulator.symbols,
      historyDays: config.simulator.historyDays,
      // The simulator replays a spot pair (its perpetual's index follows it): BTC/USDT:USDT → BTC/USDT.
      csv: config.simulator.csv ? { symbol: config.trading.symbols[0].split(":")[0], path: config.simulator.csv } : undefined,
    });
    const sim = simulator;
    const speed = config.simulator.speed;
    // Same process, same clock: no offset; latency in real ms (venue ms / speed), never negative.
    clock = { now: () => sim.now(), speed, latencyOf: (venueTimestamp: number) => Math.max(0, (sim.now() - venueTimestamp) / speed) };
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
  // TRADING_MARKET=futures: USDⓈ-M perpetuals. On the simulator, ccxt's binanceusdm on its /fapi side;
  // elsewhere the configured ccxt venue (binanceusdm, or any venue listing linear swaps).
  const futures = config.trading.market === "futures";
  const exchangeId = futures && venue.simulated ? "binanceusdm" : config.venue.id;
  const exchange = await createExchange({ id: exchangeId, ...keys }, simulatorEndpoints ? { simulator: simulatorEndpoints } : {});
  const close = async () => {
    venueClock?.stop();
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
    const listed = venue.simulated ? (futures ? config.simulator.symbols.map(perpSymbol) : config.simulator.symbols) : [];
    for (const symbol of new Set([...config.trading.symbols, ...listed])) {
      const market = exchange.markets?.[symbol];
      if (!market || (futures && !isLinearSwap(market))) {
        if (config.trading.symbols.includes(symbol))
          throw new AppError("UNKNOWN_SYMBOL", futures ? `${venue.id} lists no linear perpetual ${symbol} (TRADING_SYMBOLS with TRADING_MARKET=futures)` : `${venue.id} does not list ${symbol} (TRADING_SYMBOLS)`, 400);
        continue;
      }
      instruments.set(symbol, instrumentFromMarket(symbol, market));
    }
    if (!venue.simulated && exchange.has?.fetchTime) {
      // A real exchange: its time with round-trip correction (speed 1), so stream latency and the
      // "closed candle from the future" check use the venue's clock, not a skewed local one.
      const exClock = new VenueClock({ fetchTime: exchangeTimeSource(exchange as unknown as { fetchTime(): Promise<number | undefined> }), logger, name: venue.id, samples: 3, refreshMs: 60_000 });
      try {
        await exClock.start();
        clock = exClock;
        venueClock = exClock;
      } catch (err) {
        exClock.stop();
        logger.warn({ err: errorMessage(err) }, "the exchange's time could not be read: following the local clock");
      }
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
      // In the background after start-up, two symbols at a time (the traded ones first): the HTTP server
      // and the streams stay responsive while the history arrives.
      warmupConcurrency: 2,
      streams: { orderbook: true, trades: true, ticker: "auto" },
    });
    const perps = futures ? await perpContracts({ exchange, instruments, limits: config.risk, marginMode: config.trading.marginMode, logger }) : undefined;
    if (perps && (venue.simulated || (keys.apiKey && keys.secret))) {
      // The venue liquidates at its own settings: make them the engine's (margin mode, leverage).
      for (const f of await applyContractSettings(exchange, perps, config.trading.symbols)) {
        logger.warn({ symbol: f.symbol, err: f.error }, "could not set the contract's margin mode and leverage at the venue: its liquidation price may differ from the engine's");
      }
    }
    return { venue, clock, exchange, simulator, instruments, fees, hasKeys: Boolean(keys.apiKey && keys.secret), candleStore, market, ...(perps ? { perpContracts: perps } : {}), close };
  } catch (err) {
    await close();
    throw err;
  }
}
