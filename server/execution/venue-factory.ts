import type { Exchange } from "ccxt";
import type { Clock } from "../core/clock";
import type { Logger } from "../core/logger";
import type { Instrument, KernelMode, Order } from "../model/types";
import { LiveVenue } from "./live-venue";
import { createGhostVenue, PaperVenue } from "./paper-venue";
import { TimerScheduler } from "../core/scheduler";
import type { ExecutionVenue, FeeSchedule } from "./types";

/**
 * Builds the venue of each trading mode for the app's composition root (server/app.ts via
 * engine/factories/account.ts). The venue goes straight into its account's order gateway: nothing
 * outside execution/ keeps one.
 */
export interface VenueFactoryOptions {
  clock: Clock;
  logger: Logger;
  fees: FeeSchedule;
  instruments: ReadonlyMap<string, Instrument>;
  /** The connected ccxt exchange and what it is (live only). */
  exchange: Exchange;
  venue: { id: string; simulated: boolean; testnet: boolean };
  symbols: readonly string[];
}

export function createLiveVenue(o: VenueFactoryOptions): ExecutionVenue {
  return new LiveVenue({ exchange: o.exchange, symbols: [...o.symbols], clock: o.clock, id: o.venue.id, simulated: o.venue.simulated, testnet: o.venue.testnet, logger: o.logger });
}

/** Ghost (fills at the mark, nothing leaves the process) or paper (simulated latency and slippage), from the ledger's balances. */
export function createLocalVenue(mode: Exclude<KernelMode, "live" | "backtest">, o: VenueFactoryOptions, balances: Record<string, number>): ExecutionVenue {
  const common = { clock: o.clock, fees: o.fees, balances, instruments: o.instruments.values(), logger: o.logger };
  return mode === "ghost"
    ? createGhostVenue({ ...common, id: "ghost" })
    : new PaperVenue({ ...common, id: "paper", kind: "paper", scheduler: new TimerScheduler(), latencyMs: 50, slippageBps: 5 });
}

/** A paper venue keeps its resting orders in memory: put the stored open ones back after a restart. */
export function restoreVenueOrders(venue: ExecutionVenue, open: Iterable<Order>): void {
  if (venue instanceof PaperVenue) venue.restoreOrders(open);
}
