import type { PrismaClient } from "../generated/client";
import type { KernelMode } from "../../model/types";
import type { LedgerClosedTrade, LedgerPosition } from "../../portfolio";
import type { EngineEvents } from "../../engine";
import { dec, optDec } from "./convert";

export type TradeToStore = LedgerClosedTrade & { signalId?: string; entryOrderId?: string; exitOrderId?: string };

/**
 * Writes of what the engine publishes: signals and their outcomes, positions, trades, equity points,
 * risk events. Orders and fills are not here: the order manager stores them through the OrderStore.
 */
export class EngineRecordStore {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * The first `signal` event inserts the row; the second (same id, `execution` decided) updates its
   * execution columns, so a signal is one row whatever the number of events (docs/api.md, signals.execution).
   */
  async saveSignal(s: EngineEvents["signal"]): Promise<void> {
    const row = {
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
    };
    if (!s.execution) {
      await this.prisma.signal.createMany({ data: [row], skipDuplicates: true });
      return;
    }
    const execution = {
      executionStatus: s.execution.status,
      executionCode: s.execution.code,
      executionMessage: s.execution.message,
      executionOrderId: s.execution.clientOrderId,
    };
    // A refused entry never becomes a trade, real or hypothetical: it has no outcome to wait for.
    const outcome = s.execution.status === "blocked" ? { outcome: null } : {};
    await this.prisma.signal.upsert({ where: { id: s.id }, create: { ...row, ...execution, ...outcome }, update: { ...execution, ...outcome } });
  }

  async saveSignalOutcome(o: EngineEvents["signal:outcome"]): Promise<void> {
    await this.prisma.signal.updateMany({
      where: { id: o.signalId },
      data: { outcome: o.outcome, exitPrice: dec(o.exitPrice), outcomePct: dec(o.outcomePct), outcomeAt: new Date(o.at) },
    });
  }

  async saveEquity(e: EngineEvents["equity"]): Promise<void> {
    await this.prisma.equitySnapshot.create({
      data: { mode: e.mode, timestamp: new Date(e.timestamp), equity: dec(e.equity), cash: dec(e.cash), realizedPnl: dec(e.realizedPnl), unrealizedPnl: dec(e.unrealizedPnl) },
    });
  }

  async saveRiskEvent(r: EngineEvents["risk:event"]): Promise<void> {
    await this.prisma.riskEvent.createMany({
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

  async saveTrades(trades: readonly TradeToStore[]): Promise<void> {
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

  /** Open positions written; any other row of the mode still marked open is closed. */
  async syncPositions(mode: KernelMode, open: readonly LedgerPosition[], at: number): Promise<void> {
    for (const p of open) await this.savePosition(p, "open");
    await this.prisma.position.updateMany({
      where: { mode, status: "open", id: { notIn: open.map((p) => p.id) } },
      data: { status: "closed", quantity: "0", closedAt: new Date(at) },
    });
  }
}
