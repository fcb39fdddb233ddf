import type { EventBus } from "../core/event-bus";
import { errorMessage } from "../core/errors";
import type { Logger } from "../core/logger";
import type { PrismaClient } from "../db/generated/client";
import { dec, optDec } from "../db/repositories/convert";
import type { KernelMode } from "../model/types";
import type { LedgerClosedTrade, LedgerPosition } from "../portfolio";
import type { EngineEvents } from "./events";

/**
 * Write-behind persistence of what the engine publishes: signals, positions, trades, equity and risk
 * events. Orders and fills are not here: the order manager persists them itself before they are
 * sent or published. Writes run one at a time in publication order; a failed write is logged and
 * retried a few times, and never blocks or breaks the trading loop.
 */
export class EnginePersistence {
  private queue: Promise<void> = Promise.resolve();
  private pendingCount = 0;
  private readonly unsubscribers: Array<() => void> = [];
  lastError: string | null = null;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly bus: EventBus<EngineEvents>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const on = <K extends keyof EngineEvents>(event: K, write: (payload: EngineEvents[K]) => Promise<unknown>) =>
      this.unsubscribers.push(this.bus.on(event, (payload) => this.enqueue(String(event), () => write(payload))));

    on("signal", (s) =>
      this.prisma.signal.createMany({
        data: [
          {
            id: s.id,
            mode: s.mode,
            strategyInstanceId: s.strategyInstanceId,
            symbol: s.symbol,
            timeframe: s.timeframe,
            action: s.action,
            price: dec(s.price),
            reason: s.reason,
            data: s.data,
            timestamp: new Date(s.timestamp),
            outcome: s.action.startsWith("enter") ? "open" : null,
          },
        ],
        skipDuplicates: true,
      }),
    );
    on("signal:outcome", (o) =>
      this.prisma.signal.updateMany({
        where: { id: o.signalId },
        data: { outcome: o.outcome, exitPrice: dec(o.exitPrice), outcomePct: dec(o.outcomePct), outcomeAt: new Date(o.at) },
      }),
    );
    on("position", (p) => this.savePosition(p, p.status));
    on("trade", (t) => this.saveTrades([t]));
    on("equity", (e) =>
      this.prisma.equitySnapshot.create({
        data: {
          mode: e.mode,
          timestamp: new Date(e.timestamp),
          equity: dec(e.equity),
          cash: dec(e.cash),
          realizedPnl: dec(e.realizedPnl),
          unrealizedPnl: dec(e.unrealizedPnl),
        },
      }),
    );
    on("risk:event", (r) =>
      this.prisma.riskEvent.createMany({
        data: [
          {
            id: r.id,
            mode: r.mode,
            kind: r.kind,
            code: r.code,
            severity: r.severity,
            message: r.message,
            data: JSON.parse(JSON.stringify(r.data ?? {})),
            timestamp: new Date(r.timestamp),
          },
        ],
        skipDuplicates: true,
      }),
    );
  }

  stop(): void {
    for (const off of this.unsubscribers.splice(0)) off();
  }

  get pending(): number {
    return this.pendingCount;
  }

  /** Resolves when every queued write has been attempted. */
  flush(): Promise<void> {
    return this.queue;
  }

  private enqueue(what: string, write: () => Promise<unknown>): void {
    this.pendingCount += 1;
    this.queue = this.queue.then(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await write();
          this.lastError = null;
          break;
        } catch (err) {
          if (attempt >= 3) {
            this.lastError = `${what}: ${errorMessage(err)}`;
            this.logger.error({ err, what }, "persisting an engine event failed");
            break;
          }
          await new Promise((r) => setTimeout(r, 100 * attempt));
        }
      }
      this.pendingCount -= 1;
    });
  }

  async savePosition(p: LedgerPosition, status: "open" | "closed"): Promise<void> {
    const data = {
      mode: p.mode,
      symbol: p.symbol,
      side: p.side,
      status,
      quantity: dec(p.quantity),
      avgEntryPrice: dec(p.avgEntryPrice),
      realizedPnl: dec(p.realizedPnl),
      fees: dec(p.fees),
      stopLoss: optDec(p.stopLoss),
      takeProfit: optDec(p.takeProfit),
      trailingStop: optDec(p.trailingStop),
      extremePrice: dec(p.extremePrice),
      entryReason: p.entryReason,
      strategyInstanceId: p.strategyInstanceId ?? null,
      sessionId: p.sessionId ?? null,
      openedAt: new Date(p.openedAt),
      closedAt: status === "closed" ? new Date(p.updatedAt) : null,
    };
    await this.prisma.position.upsert({ where: { id: p.id }, create: { id: p.id, ...data }, update: data });
  }

  async saveTrades(trades: Array<LedgerClosedTrade & { signalId?: string; entryOrderId?: string; exitOrderId?: string }>): Promise<void> {
    if (!trades.length) return;
    await this.prisma.trade.createMany({
      data: trades.map((t) => ({
        id: t.id,
        positionId: t.positionId,
        mode: t.mode,
        symbol: t.symbol,
        side: t.side,
        quantity: dec(t.quantity),
        entryPrice: dec(t.entryPrice),
        exitPrice: dec(t.exitPrice),
        pnl: dec(t.pnl),
        pnlPct: dec(t.pnlPct),
        fees: dec(t.fees),
        exitReason: t.exitReason,
        entryReason: t.entryReason,
        exitReasonText: t.exitReasonText,
        strategyInstanceId: t.strategyInstanceId ?? null,
        sessionId: t.sessionId ?? null,
        signalId: t.signalId ?? null,
        entryOrderId: t.entryOrderId ?? null,
        exitOrderId: t.exitOrderId ?? null,
        openedAt: new Date(t.openedAt),
        closedAt: new Date(t.closedAt),
      })),
      skipDuplicates: true,
    });
  }

  /**
   * After a restart the ledger is rebuilt from the fills; make the positions table agree with it:
   * its open positions are written, any other row still marked open is closed.
   */
  async syncPositions(mode: KernelMode, open: readonly LedgerPosition[], at: number): Promise<void> {
    for (const p of open) await this.savePosition(p, "open");
    await this.prisma.position.updateMany({
      where: { mode, status: "open", id: { notIn: open.map((p) => p.id) } },
      data: { status: "closed", quantity: "0", closedAt: new Date(at) },
    });
  }
}
