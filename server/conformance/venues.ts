import type { Exchange } from "ccxt";
import { createLogger, type Logger } from "../core/logger";
import { LiveVenue } from "../execution";
import { createExchange } from "../market";
import { startSimulator, type SimulatorHandle } from "../simulator";

/**
 * The venues the conformance suite runs against: the built-in simulator (offline, started here with
 * its own account) or Binance's spot testnet (the user's testnet keys, network needed).
 */

export type ConformanceVenueId = "simulator" | "binance-testnet";

export interface ConformanceVenue {
  id: ConformanceVenueId;
  /** The ccxt client, as the app builds it (createExchange). */
  exchange: Exchange;
  /** The app's live venue over that client (rate-limit gate, retries, order mapping). */
  venue: LiveVenue;
  /** Symbols the scenarios trade: liquid USDT pairs. */
  symbols: [string, string];
  /** The simulator behind it, when offline. */
  simulator?: SimulatorHandle;
  close(): Promise<void>;
}

export class ConformanceUnavailable extends Error {}

/** The account the offline simulator gives the suite: enough USDT for every scenario, no coins. */
const SIM_ACCOUNT = { apiKey: "conformance-key", secret: "conformance-secret", balances: { USDT: 200_000 } };

export async function openConformanceVenue(id: ConformanceVenueId, env: Record<string, string | undefined> = process.env, logger: Logger = createLogger("silent")): Promise<ConformanceVenue> {
  const symbols: [string, string] = ["BTC/USDT", "ETH/USDT"];
  if (id === "simulator") {
    // A thinner book at the touch than the default, so a modest limit order can cross part of it.
    const simulator = await startSimulator({ port: 0, historyDays: 0, seed: 14, symbols: [...symbols], accounts: [SIM_ACCOUNT], orderBook: { levelQuote: 2_000 } });
    try {
      const exchange = await createExchange(
        { id: "simulator" },
        { simulator: { restUrl: simulator.restUrl, wsUrl: simulator.wsUrl, wsApiUrl: simulator.wsApiUrl, defaultAccount: simulator.defaultAccount } },
      );
      await exchange.loadMarkets();
      const venue = new LiveVenue({ exchange, symbols, id: "simulator", simulated: true, logger, updates: "poll", pollIntervalMs: 250 });
      return {
        id,
        exchange,
        venue,
        symbols,
        simulator,
        async close() {
          await venue.stop();
          await (exchange as unknown as { close?: () => Promise<void> }).close?.().catch(() => {});
          await simulator.close();
        },
      };
    } catch (err) {
      await simulator.close();
      throw err;
    }
  }
  const apiKey = env.VENUE_API_KEY;
  const secret = env.VENUE_API_SECRET;
  if (!apiKey || !secret) {
    throw new ConformanceUnavailable(
      "binance-testnet needs your Binance spot testnet keys: set VENUE_API_KEY and VENUE_API_SECRET (from https://testnet.binance.vision) and run again",
    );
  }
  const exchange = await createExchange({ id: "binance-testnet", apiKey, secret });
  try {
    await exchange.loadMarkets();
  } catch (err) {
    await (exchange as unknown as { close?: () => Promise<void> }).close?.().catch(() => {});
    throw new ConformanceUnavailable(`binance-testnet is not reachable from here (${(err as Error).message}); the suite needs network access to testnet.binance.vision`);
  }
  const venue = new LiveVenue({ exchange, symbols, id: "binance-testnet", testnet: true, logger, updates: "poll", pollIntervalMs: 500 });
  return {
    id,
    exchange,
    venue,
    symbols,
    async close() {
      await venue.stop();
      await (exchange as unknown as { close?: () => Promise<void> }).close?.().catch(() => {});
    },
  };
}
