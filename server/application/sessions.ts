import { z } from "zod";
import { AppError, errorMessage, notFound } from "../core/errors";
import { sumMoney } from "../core/decimal";
import { toCsv } from "../core/csv";
import { newId } from "../core/ids";
import { repeatEvery, schedulerOf, type ScheduledTask, type TaskScheduler } from "../core/scheduler";
import { systemClock } from "../core/clock";
import { TIMEFRAMES, type Timeframe } from "../model/types";
import { tradePnlBuckets } from "../portfolio";
import { moneyAmount, userText } from "../http/input";
import { createStrategy } from "../strategy";
import type { EngineRuntime } from "../engine";
import type { SessionRepository, StrategyRepository, TradeRepository } from "../db";
import { Download, modeSchema, stored } from "./context";
import {
  sessionConfigSchema as sessionConfigDtoSchema,
  sessionEndReasonSchema,
  sessionSchema,
  type SessionDto,
  type SessionEndReasonDto,
  type SessionPnlDto,
  type SessionReportDto,
} from "../contract";
import { sessionNetPnl } from "../golive";

/**
 * Trading sessions (the seed plan's 4-hour proof of concept): a strategy instance with its own capital,
 * symbols and rules that ends itself on its profit target, its maximum loss or its duration, then
 * closes what it holds and keeps a report (JSON, trade-by-trade CSV, hourly P&L).
 *
 * Session time is market time: on the simulator at SIM_SPEED=60 a 4-hour session takes 4 minutes.
 * P&L counts realized trades of the session plus the unrealized P&L of its open positions, net of fees.
 */

const timeframeSchema = z.enum(TIMEFRAMES as unknown as [Timeframe, ...Timeframe[]]);

export const sessionConfigSchema = z.object({
  name: z.string().min(1).max(80).default("4-hour session"),
  capital: z.number().positive().finite().default(500),
  durationMin: z.number().int().min(1).max(7 * 24 * 60).default(240),
  symbols: z.array(z.string().regex(/^[A-Z0-9]+\/[A-Z0-9]+$/)).min(1).max(10).default(["BTC/USDT", "ETH/USDT"]),
  strategy: z
    .object({
      kind: z.string().min(1).default("ma_crossover"),
      params: z.record(z.string(), z.unknown()).default({ fastPeriod: 9, slowPeriod: 21, maType: "ema" }),
      timeframe: timeframeSchema.default("5m"),
    })
    .default({ kind: "ma_crossover", params: { fastPeriod: 9, slowPeriod: 21, maType: "ema" }, timeframe: "5m" }),
  // 2 % / 5 % (Phase 2 plan): reward to risk 2.5 passes the reward:risk ≥ 2 rule the risk engine enforces.
  stopLossPct: z.number().positive().max(50).default(2),
  takeProfitPct: z.number().positive().max(1000).default(5),
  maxPositionQuote: z.number().positive().finite().default(150),
  maxOpenPositions: z.number().int().min(1).max(50).default(3),
  profitTarget: z.number().positive().finite().default(6),
  maxLoss: z.number().positive().finite().default(15),
});
export type SessionConfig = z.infer<typeof sessionConfigSchema>;

/**
 * What POST /api/sessions accepts: the stored config's fields (all optional, defaults as above), with
 * the user text and money amounts held to the shared input contract, so nothing the database or the
 * audit chain cannot store reaches the first write. sessionConfigSchema itself stays as it was: it
 * also re-reads the configs of sessions already stored, which must never stop a restart.
 */
export const sessionCreateSchema = sessionConfigSchema.partial().extend({
  name: userText({ max: 80 }).optional(),
  capital: moneyAmount().optional(),
  maxPositionQuote: moneyAmount().optional(),
  profitTarget: moneyAmount().optional(),
  maxLoss: moneyAmount().optional(),
});

export type SessionEndReason = SessionEndReasonDto;

interface ActiveSession {
  id: string;
  mode: string;
  config: SessionConfig;
  startedAt: number;
  endsAt: number;
  strategyId: string;
  ending: boolean;
}

export class SessionManager {
  private readonly active = new Map<string, ActiveSession>();
  private timer: ScheduledTask | undefined;
  private readonly scheduler: TaskScheduler;
  private readonly unsubscribers: Array<() => void> = [];

  constructor(
    private readonly engine: EngineRuntime,
    private readonly repos: { sessions: SessionRepository; strategies: StrategyRepository; trades: TradeRepository },
    /** Timers for the rule checks; default: the engine clock's (a ManualClock runs them as it advances). */
    options: { scheduler?: TaskScheduler } = {},
  ) {
    this.scheduler = options.scheduler ?? schedulerOf(engine.clock, { unref: true });
  }

  /** Resume sessions that were running when the process stopped; check the stop rules every second. */
  async start(): Promise<void> {
    const rows = await this.repos.sessions.running();
    for (const row of rows) {
      const config = sessionConfigSchema.parse(row.config);
      this.active.set(row.id, {
        id: row.id,
        mode: row.mode,
        config,
        startedAt: row.startedAt,
        endsAt: row.endsAt,
        strategyId: `ses_${row.id}`,
        ending: false,
      });
      this.registerRiskRules(row.id, row.mode, config);
    }
    this.unsubscribers.push(this.engine.bus.on("trade", (t) => t.sessionId && this.active.has(t.sessionId) && void this.check(t.sessionId)));
    this.timer = repeatEvery(this.scheduler, this.engine.clock, 1000, () => {
      for (const id of this.active.keys()) void this.check(id);
    });
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
    for (const off of this.unsubscribers.splice(0)) off();
  }

  async create(input: z.input<typeof sessionConfigSchema>, actor: string) {
    const config = sessionConfigSchema.parse(input);
    const unknown = config.symbols.filter((s) => !this.engine.instruments.has(s));
    if (unknown.length) throw new AppError("UNKNOWN_SYMBOL", `not traded on ${this.engine.venue.id}: ${unknown.join(", ")}`, 400);
    const id = newId("ses_");
    const strategyId = `ses_${id}`;
    // Validate the strategy before anything is stored.
    const probe = createStrategy(config.strategy.kind, config.strategy.params, { id: strategyId, symbols: config.symbols, timeframe: config.strategy.timeframe });
    const now = this.engine.clock.now();
    const mode = this.engine.kernel.mode;
    const endsAt = now + config.durationMin * 60_000;
    await this.repos.sessions.create({ id, mode, config: config as object, startedAt: now, endsAt });
    await this.repos.strategies.create({
      id: strategyId,
      name: `${config.name} (session)`,
      kind: config.strategy.kind,
      params: probe.params as object,
      symbols: config.symbols,
      timeframe: config.strategy.timeframe,
      capital: config.capital,
      status: "active",
    });
    this.engine.startStrategy({
      id: strategyId,
      name: `${config.name} (session)`,
      kind: config.strategy.kind,
      params: probe.params,
      symbols: config.symbols,
      timeframe: config.strategy.timeframe,
      capital: config.capital,
      paused: false,
      session: { id, maxPositionQuote: config.maxPositionQuote, maxOpenPositions: config.maxOpenPositions, stopLossPct: config.stopLossPct, takeProfitPct: config.takeProfitPct },
    });
    this.registerRiskRules(id, mode, config);
    this.active.set(id, { id, mode, config, startedAt: now, endsAt, strategyId, ending: false });
    this.engine.logger.info({ id, actor, mode }, "trading session started");
    return this.get(id);
  }

  /** The session's caps become risk rules of its account: the risk engine, not only sizing, enforces them. */
  private registerRiskRules(id: string, mode: string, config: SessionConfig): void {
    this.engine.kernel.accounts.get(mode as never)?.risk.setSessionRules(id, { maxPositionQuote: config.maxPositionQuote, maxOpenPositions: config.maxOpenPositions, capital: config.capital });
  }

  /** Session P&L: realized trades plus the open positions' unrealized P&L, net of fees and of the cost of closing them. */
  async pnl(session: { id: string; mode: string }): Promise<SessionPnlDto> {
    const realized = await this.repos.sessions.realizedPnl(session.id);
    const account = this.engine.kernel.accounts.get(session.mode as never);
    const open = account ? account.ledger.positions().filter((p) => p.sessionId === session.id) : [];
    // A position's realizedPnl already carries its entry fee; it is not in the trades table until it closes.
    // The +$6 target and −$15 limit are measured after the taker fee the closes will pay.
    const net = sessionNetPnl({
      realized,
      open: open.map((p) => ({ quantity: p.quantity, markPrice: p.markPrice, unrealizedPnl: p.unrealizedPnl, realizedPnl: p.realizedPnl })),
      takerFee: this.engine.fees.taker,
    });
    return { realized, unrealized: sumMoney(open.map((p) => p.unrealizedPnl + p.realizedPnl)), total: net.net, openPositions: open.length };
  }

  private async check(id: string): Promise<void> {
    const session = this.active.get(id);
    if (!session || session.ending) return;
    const now = this.engine.clock.now();
    const { total } = await this.pnl(session);
    let reason: SessionEndReason | null = null;
    if (total >= session.config.profitTarget) reason = "profit_target";
    else if (total <= -session.config.maxLoss) reason = "max_loss";
    else if (now >= session.endsAt) reason = "time";
    if (reason) await this.end(id, reason, "session rules");
  }

  async end(id: string, reason: SessionEndReason, actor: string) {
    const workingExits = (account: { openOrders(): readonly { sessionId?: string | null; intent?: string; type: string; clientOrderId: string; symbol: string }[] }) =>
      account.openOrders().filter((o) => o.sessionId === id && o.intent === "exit");
    const session = this.active.get(id);
    if (!session) {
      const row = await this.repos.sessions.get(id);
      if (!row) throw notFound(`session ${id}`);
      return this.get(id);
    }
    if (session.ending) return this.get(id);
    session.ending = true;
    // Stop new entries first, then close what the session holds, then write the report.
    this.engine.kernel.setStrategyPaused(session.strategyId, true);
    const account = this.engine.kernel.accounts.get(session.mode as never);
    const errors: string[] = [];
    // An entry still working when the session ends is cancelled, and one that was on its way can fill
    // after a round: wait for the account's work, then close again.
    if (account) {
      await this.engine.kernel.idle();
      await account.idle();
      for (const order of account.openOrders().filter((o) => o.sessionId === id && o.intent === "entry")) {
        await account.cancelOrder(order.clientOrderId).catch((err: unknown) => errors.push(`${order.symbol}: the working entry could not be cancelled: ${errorMessage(err)}`));
      }
      // A resting limit exit may never fill: cancel it, the close below sells at the market.
      for (const order of workingExits(account).filter((o) => o.type !== "market")) {
        await account.cancelOrder(order.clientOrderId).catch((err: unknown) => errors.push(`${order.symbol}: the working exit could not be cancelled: ${errorMessage(err)}`));
      }
      await account.idle();
    }
    for (let round = 0; round < 3 && account; round++) {
      const open = account.ledger.positions().filter((p) => p.sessionId === id);
      if (open.length === 0) break;
      // An exit the strategy sent just before the pause is still on its way (paper latency, a fill waiting
      // for the venue's report): the close would be refused as EXIT_ALREADY_WORKING, so let it finish first.
      await waitUntil(() => workingExits(account).length === 0, WORKING_EXIT_WAIT_MS);
      if (account.ledger.positions().filter((p) => p.sessionId === id).length === 0) break;
      for (const position of open) {
        try {
          const result = await account.closePosition(position, { exitReason: "session_end", reason: `Session ended (${reason.replace("_", " ")})` });
          if (!result.decision.allowed) errors.push(`${position.symbol}: ${result.decision.message}`);
        } catch (err) {
          errors.push(`${position.symbol}: ${errorMessage(err)}`);
        }
      }
      await account.idle();
    }
    // Whatever the session could not close is an alarm, not a line in a report nobody reads.
    account?.reportLeftOpen((p) =>
      p.sessionId === id ? `session ${id} ended (${reason.replace("_", " ")}) with the position still open${errors.length ? `: ${errors.join("; ")}` : ""}` : undefined,
    );
    await this.engine.persistence.flush();
    this.engine.strategies.stop(session.strategyId);
    await this.repos.strategies.setStatus(session.strategyId, "paused");
    const report = await this.buildReport(session, reason, errors);
    await this.repos.sessions.end(id, { endedAt: this.engine.clock.now(), endReason: reason, report: report as object });
    this.active.delete(id);
    account?.risk.clearSessionRules(id);
    this.engine.logger.info({ id, reason, actor, pnl: report.summary.totalPnl }, "trading session ended");
    return this.get(id);
  }

  private async buildReport(session: ActiveSession, reason: SessionEndReason, errors: string[]): Promise<SessionReportDto> {
    const trades = await this.repos.trades.ofSession(session.id);
    const { realized, unrealized, total, openPositions } = await this.pnl(session);
    const wins = trades.filter((t) => t.pnl > 0);
    const hourly = tradePnlBuckets(trades as never, "hour", "UTC").map((b) => ({ hour: b.label, pnl: b.pnl, trades: b.trades, wins: b.wins, losses: b.losses }));
    return {
      summary: {
        reason,
        startedAt: session.startedAt,
        endedAt: this.engine.clock.now(),
        capital: session.config.capital,
        realizedPnl: realized,
        unrealizedPnl: unrealized,
        totalPnl: total,
        returnPct: (total / session.config.capital) * 100,
        trades: trades.length,
        wins: wins.length,
        losses: trades.length - wins.length,
        winRate: trades.length ? (wins.length / trades.length) * 100 : null,
        fees: sumMoney(trades.map((t) => t.fees)),
        openPositionsLeft: openPositions,
        closeErrors: errors,
      },
      hourly,
      trades,
    };
  }

  async get(id: string): Promise<SessionDto> {
    const row = await this.repos.sessions.get(id);
    if (!row) throw notFound(`session ${id}`);
    const live = this.active.get(id);
    const what = `session ${row.id}`;
    return {
      id: row.id,
      mode: stored(modeSchema, row.mode, `${what} mode`),
      status: stored(sessionSchema.shape.status, row.status, `${what} status`),
      config: stored(sessionConfigDtoSchema, row.config, `${what} config`),
      startedAt: row.startedAt,
      endsAt: row.endsAt,
      endedAt: row.endedAt,
      endReason: stored(sessionEndReasonSchema.nullable(), row.endReason, `${what} endReason`),
      pnl: live ? await this.pnl(live) : null,
      report: row.report,
    } satisfies SessionDto;
  }

  async list(): Promise<SessionDto[]> {
    const rows = await this.repos.sessions.latest(100);
    return Promise.all(rows.map((r) => this.get(r.id)));
  }

  /** The report as JSON, as a trade-by-trade CSV, or the hourly P&L breakdown as CSV. */
  async report(id: string, format: "json" | "csv" | "hourly"): Promise<Download> {
    const session = await this.get(id);
    if (!session.report) throw new AppError("SESSION_RUNNING", "the report is written when the session ends", 409);
    const report = session.report as { summary: unknown; hourly: Array<Record<string, unknown>>; trades: Array<Record<string, unknown>> };
    const name = `tradekeel-session-${id}`;
    if (format === "json") return new Download(`${name}.json`, "application/json", JSON.stringify({ id, config: session.config, ...report }, null, 2));
    const csv =
      format === "csv"
        ? toCsv(["id", "symbol", "side", "quantity", "entryPrice", "exitPrice", "pnl", "pnlPct", "fees", "openedAt", "closedAt", "exitReason", "entryReason", "exitReasonText"], report.trades)
        : toCsv(["hour", "pnl", "trades", "wins", "losses"], report.hourly);
    return new Download(`${name}-${format === "csv" ? "trades" : "hourly"}.csv`, "text/csv; charset=utf-8", csv);
  }
}

/** How long a session's end waits (wall time) for an exit already on its way before it closes again. */
const WORKING_EXIT_WAIT_MS = 15_000;
const wallScheduler = schedulerOf(systemClock, { unref: true });

/** Resolves when `done()` holds or after `maxMs` of wall time, whichever comes first (checked every 50 ms). */
async function waitUntil(done: () => boolean, maxMs: number): Promise<void> {
  const deadline = systemClock.now() + maxMs;
  while (!done() && systemClock.now() < deadline) {
    await new Promise<void>((resolve) => wallScheduler.schedule(systemClock.now() + 50, resolve));
  }
}
