import type { Clock } from "../core/clock";
import type { EventBus } from "../core/event-bus";
import type { Logger } from "../core/logger";
import type { MarketDataService } from "../market";
import type { Timeframe } from "../model/types";
import { createStrategy, safeStrategy } from "../strategy";
import type { EngineEvents } from "./events";
import type { StrategyInstanceInfo, TradingKernel } from "./kernel";

/** A strategy instance as stored (or as a session defines it), ready to run. */
export interface StrategyInstanceSpec {
  id: string;
  name: string;
  kind: string;
  params: unknown;
  symbols: string[];
  timeframe: Timeframe;
  capital: number;
  /** The instance's own loss limits in quote currency, on top of the account's (absent = none). */
  maxLossQuote?: number;
  dailyLossQuote?: number;
  paused: boolean;
  state?: unknown;
  session?: StrategyInstanceInfo["session"];
}

/**
 * The strategy factory: builds a strategy instance from its kind and params, wraps it (a throwing or
 * malformed strategy skips a candle, never the loop), restores its saved state, sets its budget
 * (capital and own loss limits) on every account's risk engine, adds it to the kernel and warms it
 * from the candles the market data service already holds. stop() undoes both.
 */
export class StrategyFactory {
  constructor(
    private readonly deps: {
      kernel: TradingKernel;
      market: Pick<MarketDataService, "recentCandles">;
      bus: EventBus<EngineEvents>;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  start(instance: StrategyInstanceSpec): void {
    const { kernel, market, bus, clock, logger } = this.deps;
    const budget = { capital: instance.capital, maxLossQuote: instance.maxLossQuote, dailyLossQuote: instance.dailyLossQuote };
    const strategy = createStrategy(instance.kind, instance.params, { id: instance.id, symbols: instance.symbols, timeframe: instance.timeframe });
    const safe = safeStrategy(strategy, (report) => {
      logger.warn({ report }, "strategy error: candle skipped");
      bus.emit("strategy:error", { instanceId: instance.id, kind: instance.kind, symbol: report.candle?.symbol ?? "", message: report.message, at: clock.now() });
    });
    const snapshot = instance.state as { kind?: string } | undefined;
    if (snapshot && snapshot.kind === instance.kind) {
      try {
        safe.restore(snapshot as never);
      } catch (err) {
        logger.warn({ err, id: instance.id }, "strategy state could not be restored; re-warming from history");
      }
    }
    const info: StrategyInstanceInfo = { id: instance.id, name: instance.name, kind: instance.kind, capital: instance.capital, session: instance.session };
    // Set on every mode's account: an instance's positions stay in the account that opened them.
    for (const account of kernel.accounts.values()) account.risk.setStrategyBudget(instance.id, budget);
    kernel.addStrategy(info, safe as never, instance.paused);
    // Warm from the candles the market service already holds (at start it replays its warm-up).
    for (const sub of strategy.subscriptions) {
      for (const candle of market.recentCandles(sub.symbol, sub.timeframe, sub.warmupCandles)) safe.warm(candle);
    }
  }

  /** Stop an instance: no more candles or signals, and its budget no longer binds (its open positions keep their exits). */
  stop(instanceId: string): void {
    const { kernel } = this.deps;
    kernel.removeStrategy(instanceId);
    for (const account of kernel.accounts.values()) account.risk.clearStrategyBudget(instanceId);
  }
}
