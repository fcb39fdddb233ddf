import { createHash } from "node:crypto";
import type { PrismaClient } from "../db";
import { canonicalJson } from "../core/canonical-json";
import type { GoLiveHistory } from "./checklist";
import type { RampTrade } from "./ramp";

/** Settings key of the owner's acknowledgement of the risk limits (POST /api/go-live/acknowledge). */
export const RISK_ACK_SETTING = "golive.riskAcknowledgement";

/** A venue that trades no real money: testnets and the built-in simulator. */
export function isPracticeVenue(venueId: string): boolean {
  return venueId === "simulator" || venueId.includes("testnet");
}

/** A stable fingerprint of a limit set: an acknowledgement holds only for the limits it saw. */
export function limitsFingerprint(limits: unknown): string {
  return createHash("sha256").update(canonicalJson(limits)).digest("hex").slice(0, 16);
}

const num = (d: { toNumber(): number } | null | undefined) => (d ? d.toNumber() : 0);

/** Venue of each live trade: the venue its entry (else exit) order was sent to. */
async function liveTradesByVenue(prisma: PrismaClient) {
  const trades = await prisma.trade.findMany({ where: { mode: "live" }, orderBy: { closedAt: "asc" } });
  const ids = [...new Set(trades.flatMap((t) => [t.entryOrderId, t.exitOrderId]).filter((x): x is string => !!x))];
  const orders = ids.length ? await prisma.order.findMany({ where: { clientOrderId: { in: ids } }, select: { clientOrderId: true, venue: true } }) : [];
  const venueOf = new Map(orders.map((o) => [o.clientOrderId, o.venue]));
  return trades.map((t) => ({ trade: t, venue: venueOf.get(t.entryOrderId ?? "") ?? venueOf.get(t.exitOrderId ?? "") ?? null }));
}

/** Everything the checklist needs, from the database. `currentLimits` are the limits in force now. */
export async function loadGoLiveHistory(prisma: PrismaClient, options: { currentLimits: unknown; strategyKinds?: readonly string[] }): Promise<GoLiveHistory> {
  const runs = await prisma.backtestRun.findMany({ where: { status: "completed" }, select: { config: true } });
  const kinds = options.strategyKinds;
  const backtests = kinds?.length
    ? runs.filter((r) => {
        const c = r.config as { strategy?: { kind?: string } | string } | null;
        const kind = typeof c?.strategy === "string" ? c.strategy : c?.strategy?.kind;
        return kind !== undefined && kinds.some((k) => k.replace(/[-_]/g, "") === kind.replace(/[-_]/g, ""));
      }).length
    : runs.length;
  const paper = await prisma.trade.findMany({ where: { mode: "paper" } });
  const sessions = await prisma.tradingSession.findMany({ where: { mode: "paper" } });
  const withOutcome = await prisma.signal.count({ where: { mode: "ghost", outcome: { in: ["win", "loss"] } } });
  const wins = await prisma.signal.count({ where: { mode: "ghost", outcome: "win" } });
  const live = await liveTradesByVenue(prisma);
  const ackRow = await prisma.setting.findUnique({ where: { key: RISK_ACK_SETTING } });
  const ack = ackRow?.value as { at?: number; by?: string; fingerprint?: string } | undefined;
  return {
    backtests,
    paperTrades: paper.map((t) => ({
      id: t.id,
      side: t.side as "long" | "short",
      quantity: num(t.quantity),
      entryPrice: num(t.entryPrice),
      exitPrice: num(t.exitPrice),
      fees: num(t.fees),
      pnl: num(t.pnl),
    })),
    paperRuns: sessions.map((s) => ({ startedAt: s.startedAt.getTime(), endedAt: s.endedAt?.getTime() ?? null, endReason: s.endReason, status: s.status })),
    ghostSignals: { withOutcome, wins },
    testnetTrades: live.filter((l) => l.venue !== null && isPracticeVenue(l.venue)).map((l) => ({ pnl: num(l.trade.pnl) })),
    acknowledgement:
      ack && typeof ack.at === "number" && typeof ack.by === "string"
        ? { at: ack.at, by: ack.by, matchesCurrent: ack.fingerprint === limitsFingerprint(options.currentLimits) }
        : null,
  };
}

/** Store the owner's acknowledgement of the limits in force (the route audits it). */
export async function acknowledgeRiskLimits(prisma: PrismaClient, input: { limits: unknown; by: string; at: number }) {
  const value = { at: input.at, by: input.by, fingerprint: limitsFingerprint(input.limits) };
  await prisma.setting.upsert({ where: { key: RISK_ACK_SETTING }, create: { key: RISK_ACK_SETTING, value }, update: { value } });
  return value;
}

/** Live trades (every venue) for the position ramp, oldest first. */
export async function loadLiveRampTrades(prisma: PrismaClient): Promise<RampTrade[]> {
  const rows = await prisma.trade.findMany({ where: { mode: "live" }, select: { pnl: true, closedAt: true }, orderBy: { closedAt: "asc" } });
  return rows.map((r) => ({ pnl: num(r.pnl), closedAt: r.closedAt.getTime() }));
}
