import type { EngineRuntime } from "../engine";
import type { MetricsSource } from "./index";

/** The engine, as the metrics see it at scrape time (read-only). */
export function metricsSourceFor(engine: EngineRuntime): MetricsSource {
  return {
    accounts: () =>
      [...engine.kernel.accounts.values()].map((a) => ({
        mode: a.mode,
        equity: a.ledger.equity(),
        realizedPnl: a.ledger.realizedPnl,
        unrealizedPnl: a.ledger.unrealizedPnl(),
        tradingState: a.tradingState,
        openPositions: a.ledger.positions().length,
      })),
    streams: () => engine.market.status().map((s) => ({ symbol: s.symbol, stream: s.stream, state: s.state, reconnects: s.reconnects })),
    candleStats: () => engine.market.candleStats(),
  };
}
