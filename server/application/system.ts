import type { UseCaseDeps } from "./context";

/** The header's status figures and the System page. */

export interface DatabaseProbe {
  kind: string;
  ping(): Promise<{ ok: boolean; latencyMs?: number }>;
}

export function systemUseCases({ engine, repos }: UseCaseDeps, db: DatabaseProbe) {
  return {
    async status() {
      const account = engine.kernel.activeAccount;
      const ledger = account.ledger;
      const now = engine.clock.now();
      // "Today" is the risk calendar's day (limits.timeZone), the same day the daily loss limit counts.
      const dayStart = account.risk.calendar.day(now).start;
      const equity = ledger.equity();
      const [firstToday, dayAgo] = await Promise.all([repos.equity.firstSince(account.mode, dayStart), repos.equity.lastBefore(account.mode, now - 86_400_000)]);
      const startOfDayEquity = firstToday ?? ledger.startingCash;
      const equity24hAgo = dayAgo ?? ledger.startingCash;
      const streams = engine.market.status();
      const feedState = streams.length === 0 ? "connecting" : streams.some((s) => s.state === "down") ? "down" : streams.some((s) => s.state !== "live") ? "reconnecting" : "live";
      const ages = streams.map((s) => s.lastMessageAgeMs).filter((a): a is number => a !== undefined);
      const lastMessageAgeMs = ages.length ? Math.min(...ages) : null;
      return {
        mode: engine.kernel.mode,
        venue: { ...engine.venue },
        tradingState: account.tradingState,
        tradingStateReason: account.tradingStateReason,
        equity,
        cash: ledger.cash,
        realizedPnl: ledger.realizedPnl,
        unrealizedPnl: ledger.unrealizedPnl(),
        todayPnl: equity - startOfDayEquity,
        change24hPct: equity24hAgo > 0 ? ((equity - equity24hAgo) / equity24hAgo) * 100 : null,
        quoteCurrency: ledger.quoteCurrency,
        feed: { state: feedState, lastMessageAgeMs },
        reconciliation: engine.reconciliation,
        liveArmed: engine.kernel.accounts.has("live"),
        marketTime: now,
        startedAt: engine.startedAt,
        exitAlarms: engine.kernel.exitAlarms(),
      };
    },

    async system() {
      const mem = process.memoryUsage();
      const ping = await db.ping();
      const streams = engine.market.status();
      const lastCandleAgeMs: Record<string, number | null> = {};
      const now = engine.clock.now();
      for (const symbol of engine.symbols) {
        const last = engine.market.recentCandles(symbol, "1m", 1)[0];
        lastCandleAgeMs[symbol] = last ? now - (last.openTime + 60_000) : null;
      }
      return {
        uptimeS: Math.round((Date.now() - engine.startedAt) / 1000),
        memory: { rssMb: Math.round(mem.rss / 1048576), heapUsedMb: Math.round(mem.heapUsed / 1048576) },
        db: { kind: db.kind, ok: ping.ok, latencyMs: ping.latencyMs ?? null },
        feed: { streams, lastCandleAgeMs },
        venue: { ...engine.venue, errors: engine.venueErrors.slice(-20), orderLatencyMs: engine.orderLatencyMs() },
        engine: { ...engine.kernel.stats, marketTime: now, simulatorSpeed: engine.venue.simulated ? engine.config.simulator.speed : null },
        persistence: { pending: engine.persistence.pending, lastError: engine.persistence.lastError },
      };
    },
  };
}
