import type { Exchange } from "ccxt";
import type { Clock } from "../core/clock";
import type { Logger } from "../core/logger";
import type { Instrument, KernelMode, Order } from "../model/types";
import { LiveVenue } from "./live-venue";
import { createGhostVenue, PaperVenue, type MarketPrint } from "./paper-venue";
import type { PaperPerpContract } from "./paper-margin";
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
  /**
   * The market's public trades (the market data layer's `trade` events): the paper venue's price-time
   * queue fills resting limits on them. Without it (or while none arrive) a closed 1-minute candle
   * stands for its prints (fill-model.ts candlePrints).
   */
  prints?: (listener: (print: MarketPrint) => void) => () => void;
  /**
   * Futures (TRADING_MARKET=futures): a sell may open a short (the paper venue books it as a negative
   * base holding).
   */
  allowShorting?: boolean;
  /**
   * Futures: the account's perpetual contracts (leverage and brackets, AccountFutures.contracts). The
   * paper venue checks their orders against margin as Binance does (paper-margin.ts), not spot balances.
   */
  perpContracts?: ReadonlyMap<string, PaperPerpContract>;
}

export function createLiveVenue(o: VenueFactoryOptions): ExecutionVenue {
  return new LiveVenue({ exchange: o.exchange, symbols: [...o.symbols], clock: o.clock, id: o.venue.id, simulated: o.venue.simulated, testnet: o.venue.testnet, logger: o.logger });
}

/**
 * Ghost (fills at the mark, nothing leaves the process) or paper (simulated latency and slippage), from
 * the ledger's balances. Paper fills resting limits by the one fill model the simulator's matching
 * engine uses (limitFillRule "queue", execution/fill-model.ts) on the market's prints, so paper and
 * live-on-simulator give the same fills on the same orders and prices.
 */
export function createLocalVenue(mode: Exclude<KernelMode, "live" | "backtest">, o: VenueFactoryOptions, balances: Record<string, number>): ExecutionVenue {
  const common = { clock: o.clock, fees: o.fees, balances, instruments: o.instruments.values(), logger: o.logger, ...(o.allowShorting ? { allowShorting: true } : {}) };
  if (mode === "ghost") return createGhostVenue({ ...common, id: "ghost" });
  const paper = new PaperVenue({ ...common, ...(o.perpContracts ? { perpContracts: o.perpContracts.values() } : {}), id: "paper", kind: "paper", scheduler: new TimerScheduler(), latencyMs: 50, slippageBps: 5, limitFillRule: "queue" });
  if (o.prints) paper.feedPrints(o.prints);
  return paper;
}

/** A paper venue keeps its resting orders in memory: put the stored open ones back after a restart. */
export function restoreVenueOrders(venue: ExecutionVenue, open: Iterable<Order>): void {
  if (venue instanceof PaperVenue) venue.restoreOrders(open);
}
