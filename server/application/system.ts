import type { ExitAlarmDto, Mode, ServerFeature, StatusDto, SystemDto } from "../contract";
import type { ExitAlarm } from "../engine";
import type { UseCaseDeps } from "./context";
import { EquityMarks } from "./equity-marks";

/** The header's status figures and the System page. */

export interface DatabaseProbe {
  kind: string;
  ping(): Promise<{ ok: boolean; latencyMs?: number }>;
}

/**
 * The docs/api.md "Dashboard requests (issue 21)" capabilities this server implements; the dashboard
 * only calls an endpoint once its feature is listed. `feed.trades` needs the market service to stream
 * public trades (the venue composition's `streams.trades`).
 */
export function serverFeatures(engine: Pick<UseCaseDeps["engine"], "market">): ServerFeature[] {
  const features: ServerFeature[] = ["orders.preview", "orders.cancel", "positions.partialClose", "signals.execution"];
  if (engine.market.streamsTrades) features.push("feed.trades");
  return features;
}

/** An exit alarm on the wire (status, `GET /api/exit-alarms`, the feed): the trading modes only. */
export const exitAlarmDto = (a: ExitAlarm): ExitAlarmDto => ({ ...a, mode: a.mode as Mode });

export function systemUseCases({ engine, repos }: UseCaseDeps, db: DatabaseProbe) {
  // Start-of-day and 24 h-ago equity from memory, kept current by the engine's equity events (equity-marks.ts).
  let equityMarks: EquityMarks | undefined;
  return {
    async status() {
      const account = engine.kernel.activeAccount;
      const ledger = account.ledger;
      const now = engine.clock.now();
      // "Today" is the risk calendar's day (limits.timeZone), the same day the daily loss limit counts.
      const dayStart = account.risk.calendar.day(now).start;
      const equity = ledger.equity();
      equityMarks ??= new EquityMarks(repos.equity, engine.bus);
      const { firstToday, dayAgo } = await equityMarks.marks(account.mode, dayStart, now - 86_400_000);
      const startOfDayEquity = firstToday ?? ledger.startingCash;
      const equity24hAgo = dayAgo ?? ledger.startingCash;
      const streams = engine.market.status();
      const feedState = streams.length === 0 ? "connecting" : streams.some((s) => s.state === "down") ? "down" : streams.some((s) => s.state !== "live") ? "reconnecting" : "live";
      const ages = streams.map((s) => s.lastMessageAgeMs).filter((a): a is number => a !== undefined);
      const lastMessageAgeMs = ages.length ? Math.min(...ages) : null;
      const reconciliation = engine.reconciliation as typeof engine.reconciliation | null;
      return {
        mode: engine.kernel.mode as Mode,
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
        // The header's summary only (docs/api.md); the balances and findings are on GET /api/reconciliation and /api/health.
        reconciliation: reconciliation ? { ok: reconciliation.ok, at: reconciliation.at, message: reconciliation.message } : null,
        liveArmed: engine.kernel.accounts.has("live"),
        marketTime: now,
        startedAt: engine.startedAt,
        exitAlarms: engine.kernel.exitAlarms().map(exitAlarmDto),
        features: serverFeatures(engine),
        // The market data history warm-up, in the background after start-up (docs/api.md): the dashboard shows "warming up".
        warmup: engine.warmup?.() ?? null,
      } satisfies StatusDto;
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
        engine: { ...engine.kernel.stats, marketTime: now, simulatorSpeed: engine.simulatorSpeed },
        persistence: { pending: engine.persistence.pending, lastError: engine.persistence.lastError },
      } satisfies SystemDto;
    },
  };
}
