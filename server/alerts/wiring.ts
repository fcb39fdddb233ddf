import type { Logger } from "pino";
import type { AppConfig } from "../config";
import type { PrismaClient } from "../db";
import { createSecretBox, loadMasterKey, matchTotp, type SecretBox } from "../auth";
import { createMetrics, metricsSourceFor, type Metrics } from "../metrics";
import { createAlertService, type AlertService, type AlertServiceOptions } from "./service";
import { createPrismaAlertStore } from "./store";
import { sumMoney } from "../core/decimal";
import type { EngineRuntime } from "../engine";
import { getStatus, listPositions } from "../application";
import { drawdownSeries } from "../portfolio";
import { TradingCalendar } from "../risk";
import type { PeriodReport, TradingCommands } from "./types";

/**
 * The one object the alert service needs from the running engine (Telegram commands, summaries),
 * built from the engine's public queries and commands. The composition root passes it in.
 */
export interface TwoFactorCheck {
  enabled(): Promise<boolean>;
  verify(code: string): Promise<boolean>;
}

export function tradingCommandsFor(engine: EngineRuntime, prisma: PrismaClient, twoFactor: TwoFactorCheck): TradingCommands {
  const calendar = new TradingCalendar(engine.config.risk.timeZone);
  const mode = () => engine.kernel.mode;
  const tradesBetween = (from: number, to: number) =>
    prisma.trade.findMany({ where: { mode: mode(), closedAt: { gte: new Date(from), lt: new Date(to) } }, orderBy: { closedAt: "asc" }, select: { pnl: true, pnlPct: true, closedAt: true } });

  return {
    async status() {
      const s = await getStatus(engine, prisma);
      return {
        mode: s.mode,
        venueLabel: `${s.venue.id} (${s.venue.label})`,
        tradingState: s.tradingState,
        tradingStateReason: s.tradingStateReason,
        equity: s.equity,
        cash: s.cash,
        realizedPnl: s.realizedPnl,
        unrealizedPnl: s.unrealizedPnl,
        todayPnl: s.todayPnl,
        quoteCurrency: s.quoteCurrency,
        openPositions: engine.kernel.activeAccount.ledger.positions().length,
        feed: s.feed.state,
        exitAlarms: s.exitAlarms.length,
      };
    },
    async positions() {
      return listPositions(engine).map((p) => ({ symbol: p.symbol, side: p.side, quantity: p.quantity, avgEntryPrice: p.avgEntryPrice, markPrice: p.markPrice, unrealizedPnl: p.unrealizedPnl, unrealizedPct: p.unrealizedPct }));
    },
    async pnl() {
      const s = await getStatus(engine, prisma);
      const trades = await prisma.trade.findMany({ where: { mode: mode() }, select: { pnl: true } });
      const wins = trades.filter((t) => Number(t.pnl) > 0).length;
      return { realizedPnl: s.realizedPnl, unrealizedPnl: s.unrealizedPnl, todayPnl: s.todayPnl, trades: trades.length, winRatePct: trades.length ? (wins / trades.length) * 100 : null, quoteCurrency: s.quoteCurrency };
    },
    async daily(days) {
      const now = engine.clock.now();
      const rows = await tradesBetween(now - days * 86_400_000, now + 1);
      const byDay = new Map<string, { pnl: number[]; trades: number }>();
      for (const r of rows) {
        const day = calendar.dateKey(r.closedAt.getTime());
        const b = byDay.get(day) ?? { pnl: [], trades: 0 };
        b.pnl.push(Number(r.pnl));
        b.trades += 1;
        byDay.set(day, b);
      }
      return [...byDay.entries()].sort((a, b) => (a[0] < b[0] ? 1 : -1)).map(([day, b]) => ({ day, pnl: sumMoney(b.pnl), trades: b.trades }));
    },
    async report(from, to): Promise<PeriodReport> {
      const account = engine.kernel.activeAccount;
      const [rows, snaps] = await Promise.all([
        tradesBetween(from, to),
        prisma.equitySnapshot.findMany({ where: { mode: mode(), timestamp: { gte: new Date(from), lt: new Date(to) } }, orderBy: { timestamp: "asc" }, select: { timestamp: true, equity: true } }),
      ]);
      const returns = rows.map((r) => Number(r.pnlPct));
      const curve = snaps.map((s) => ({ timestamp: s.timestamp.getTime(), equity: Number(s.equity) }));
      curve.push({ timestamp: to, equity: account.ledger.equity() });
      const maxDrawdownPct = Math.max(0, ...drawdownSeries(curve).map((d) => d.drawdownPct));
      const wins = returns.filter((r) => r > 0).length;
      const mean = returns.length ? returns.reduce((a, b) => a + b, 0) / returns.length : 0;
      const sd = returns.length > 1 ? Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1)) : 0;
      return {
        from,
        to,
        quoteCurrency: account.ledger.quoteCurrency,
        pnl: sumMoney(rows.map((r) => Number(r.pnl))),
        trades: rows.length,
        wins,
        winRatePct: rows.length ? (wins / rows.length) * 100 : null,
        maxDrawdownPct,
        equity: account.ledger.equity(),
        sharpe: sd > 0 ? mean / sd : null,
      };
    },
    async stopEntries(actor) {
      const s = engine.kernel.startKillSwitch("stop-entries", actor, `stop new entries by ${actor}`);
      return `New entries stopped (${s.phase}); open positions are kept. Reset in the dashboard to trade again.`;
    },
    async kill(actor) {
      const s = engine.kernel.startKillSwitch("flatten", actor, `kill switch by ${actor}`);
      return `Kill switch ${s.phase}: cancelling every order and closing every position. You will get a message when it finishes.`;
    },
    twoFactorEnabled: () => twoFactor.enabled(),
    verifyTotp: (code) => twoFactor.verify(code),
  };
}

/**
 * The owner's two-factor check for chat commands: the same sealed TOTP secret as sign-in, and a
 * code (time step) accepted once only.
 */
export function ownerTwoFactor(prisma: PrismaClient, box: SecretBox, now: () => number = Date.now): TwoFactorCheck {
  let lastStep = -1;
  const owner = () => prisma.user.findFirst({ where: { totpEnabled: true }, orderBy: { createdAt: "asc" } });
  return {
    async enabled() {
      return (await owner()) !== null;
    },
    async verify(code) {
      const user = await owner();
      if (!user?.totpSecret) return false;
      const step = matchTotp(box.open(user.totpSecret, "the two-factor secret"), code, now());
      if (step === null || step <= lastStep) return false;
      lastStep = step;
      return true;
    },
  };
}

/**
 * Alerts and metrics for the running application in one call (the composition root's only wiring):
 * the alert service on the engine's bus with the Prisma store (secrets under the same master key as
 * the exchange keys), Telegram commands on the engine, and the Prometheus metrics.
 */
export function composeAlertsAndMetrics(input: {
  config: AppConfig;
  engine: EngineRuntime;
  prisma: PrismaClient;
  logger: Logger;
  version: string;
  /** Tests pass theirs; otherwise TRADEKEEL_MASTER_KEY or DATA_DIR/master.key, as for exchange keys. */
  secretBox?: SecretBox;
  /** Tests: faster retries and polls. */
  overrides?: Partial<AlertServiceOptions>;
}): { alerts: AlertService; metrics: Metrics } {
  const { config, engine, prisma, logger } = input;
  const box = input.secretBox ?? createSecretBox(loadMasterKey({ masterKey: config.auth.masterKey, dataDir: config.server.dataDir }));
  const metrics = createMetrics({ bus: engine.bus, source: metricsSourceFor(engine), version: input.version });
  const alerts = createAlertService({
    bus: engine.bus,
    config: config.alerts,
    timeZone: config.risk.timeZone,
    quoteCurrency: config.trading.quoteCurrency,
    store: createPrismaAlertStore(prisma, box),
    clock: engine.clock,
    logger: logger.child({ module: "alerts" }),
    commands: tradingCommandsFor(engine, prisma, ownerTwoFactor(prisma, box)),
    equity: (mode) => engine.kernel.accounts.get(mode)?.ledger.equity(),
    onDelivery: (channel, status) => metrics.alertDelivered(channel, status),
    ...input.overrides,
  });
  return { alerts, metrics };
}
