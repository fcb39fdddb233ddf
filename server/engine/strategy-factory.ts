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
      /** Without isWarmedUp/events (a backtest, a test) every symbol counts as warmed up. */
      market: Pick<MarketDataService, "recentCandles"> & Partial<Pick<MarketDataService, "isWarmedUp" | "events">>;
      bus: EventBus<EngineEvents>;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  /** Per warming instance: stops listening for its symbols' warm-up. */
  private readonly warmupWaits = new Map<string, () => void>();

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
    this.warmupWaits.get(instance.id)?.();
    this.warmupWaits.delete(instance.id);
    // Symbols whose warm-up history is still arriving (in the background after start-up): until every
    // one is complete the instance gets the warm-up candles but no closed candle, never a partial warm-up.
    const pending = new Set(strategy.subscriptions.map((s) => s.symbol).filter((symbol) => market.events && market.isWarmedUp && !market.isWarmedUp(symbol)));
    kernel.addStrategy(info, safe as never, instance.paused, pending.size > 0);
    // Warm from the candles the market service already holds; the rest of a running warm-up reaches
    // it through the kernel's warm() as it arrives.
    for (const sub of strategy.subscriptions) {
      for (const candle of market.recentCandles(sub.symbol, sub.timeframe, sub.warmupCandles)) safe.warm(candle);
    }
    if (pending.size === 0) return;
    logger.info({ id: instance.id, waitingFor: [...pending] }, "strategy instance warming up: no closed candle until its history is complete");
    const off = market.events!.on("warmup", ({ symbol }) => {
      if (!pending.delete(symbol) || pending.size > 0) return;
      off();
      this.warmupWaits.delete(instance.id);
      kernel.setStrategyWarming(instance.id, false);
      logger.info({ id: instance.id }, "strategy instance warmed up: closed candles from now on");
    });
    this.warmupWaits.set(instance.id, off);
  }

  /** Stop an instance: no more candles or signals, and its budget no longer binds (its open positions keep their exits). */
  stop(instanceId: string): void {
    const { kernel } = this.deps;
    this.warmupWaits.get(instanceId)?.();
    this.warmupWaits.delete(instanceId);
    kernel.removeStrategy(instanceId);
    for (const account of kernel.accounts.values()) account.risk.clearStrategyBudget(instanceId);
  }
}
