import type { RiskLimits } from "../config/risk-limits";
import type { BenchmarkDto, DriftReport as DriftReportDto, GoLiveAcknowledgementDto, GoLiveDto, ReconciliationPanel as ReconciliationPanelDto } from "../contract";
import { AppError } from "../core/errors";
import type { PrismaClient } from "../db";
import type { Balance, KernelMode } from "../model/types";
import { liveRampCap, type LiveRampState } from "../risk";
import { buyAndHold } from "./benchmark";
import { evaluateGoLive } from "./checklist";
import { loadDrift } from "./drift";
import { acknowledgeRiskLimits, loadGoLiveHistory, loadLiveRampTrades } from "./load-history";
import { computeLiveRamp } from "./ramp";
import { applyReconciliationAction, computeReconciliationPanel, type ActionRequest, type IgnoredHolding, type ReconciliationPorts } from "./reconciliation";

/**
 * The go-live server functions behind /api/go-live, /api/drift and /api/reconciliation. They read the
 * engine through the small structural views below, so they stay independent of its internals.
 */

export interface GoLiveAccountView {
  readonly risk: { readonly limits: Readonly<RiskLimits>; readonly liveRamp?: LiveRampState; setLiveRamp?(state: LiveRampState): void };
  readonly ledger: { positions(): readonly { id: string; symbol: string; side: "long" | "short"; quantity: number }[] };
  readonly lastPrices: ReadonlyMap<string, number>;
  venueBalances(): Promise<Balance[]>;
  venueOpenOrders(): Promise<readonly { clientOrderId: string; venueOrderId?: string; symbol: string; side: "buy" | "sell"; quantity: number; price?: number }[]>;
  openOrders(): readonly { clientOrderId: string; venueOrderId?: string; symbol: string; side: "buy" | "sell"; quantity: number; price?: number }[];
  /** Live futures: the perps traded and the venue's positions in them (positionRisk). */
  readonly futures?: { readonly contracts: ReadonlyMap<string, unknown>; readonly venuePositions?: () => Promise<readonly { symbol: string; side: "long" | "short"; quantity: number }[]> };
}

export interface GoLiveEngineView {
  readonly kernel: { readonly accounts: ReadonlyMap<KernelMode, GoLiveAccountView> };
  readonly instruments: ReadonlyMap<string, { symbol: string; base: string; quote: string; stepSize: number }>;
  readonly clock: { now(): number };
  readonly config: { risk: RiskLimits; trading: { quoteCurrency: string } };
}

/** The limits the checklist acknowledges: the live account's limits in force, else the configured ones. */
function limitsInForce(engine: GoLiveEngineView): RiskLimits {
  return (engine.kernel.accounts.get("live")?.risk.limits as RiskLimits | undefined) ?? engine.config.risk;
}

/** GET /api/go-live: the checklist with live numbers, and the ramp where it stands. */
export async function getGoLive(engine: GoLiveEngineView, prisma: PrismaClient) {
  const limits = limitsInForce(engine);
  const checklist = evaluateGoLive(await loadGoLiveHistory(prisma, { currentLimits: limits }));
  const ramp = await refreshLiveRamp(engine, prisma);
  return { ...checklist, ramp: { ...ramp, capQuote: liveRampCap(limits, ramp) }, limits: { live: limits.live } } satisfies GoLiveDto;
}

/**
 * Compute the ramp from live history and hand it to the live account's risk engine (call at start-up
 * and after each live trade closes; GET /api/go-live refreshes it too).
 */
export async function refreshLiveRamp(engine: GoLiveEngineView, prisma: PrismaClient): Promise<LiveRampState> {
  const limits = limitsInForce(engine);
  const ramp = computeLiveRamp(await loadLiveRampTrades(prisma), engine.clock.now(), limits.live.ramp, limits.timeZone);
  engine.kernel.accounts.get("live")?.risk.setLiveRamp?.(ramp);
  return ramp;
}

/** POST /api/go-live/acknowledge: the owner acknowledges the limits in force (audited). */
export async function acknowledgeGoLiveRisk(engine: GoLiveEngineView, prisma: PrismaClient, actor: string, audit: (e: { actor: string; action: string; data: Record<string, unknown> }) => Promise<void>) {
  const limits = limitsInForce(engine);
  const ack = await acknowledgeRiskLimits(prisma, { limits, by: actor, at: engine.clock.now() });
  await audit({ actor, action: "golive.risk_acknowledged", data: { fingerprint: ack.fingerprint, live: limits.live, dailyLossPct: limits.dailyLossPct, maxPositionPctEquity: limits.maxPositionPctEquity } });
  return ack satisfies GoLiveAcknowledgementDto;
}

/** GET /api/drift?from=&to= (default: the last 24 hours). */
export async function getDrift(engine: GoLiveEngineView, prisma: PrismaClient, range: { from?: number; to?: number }) {
  const to = range.to ?? engine.clock.now();
  const from = range.from ?? to - 24 * 3_600_000;
  if (!(from < to)) throw new AppError("VALIDATION", "from: must be before to", 400);
  return (await loadDrift(prisma, { from, to })) satisfies DriftReportDto;
}

export const RECONCILIATION_IGNORED_SETTING = "golive.reconciliation.ignored";

async function loadIgnored(prisma: PrismaClient): Promise<IgnoredHolding[]> {
  const row = await prisma.setting.findUnique({ where: { key: RECONCILIATION_IGNORED_SETTING } });
  return Array.isArray(row?.value) ? (row!.value as unknown as IgnoredHolding[]) : [];
}

function liveAccount(engine: GoLiveEngineView): GoLiveAccountView {
  const account = engine.kernel.accounts.get("live");
  if (!account) throw new AppError("LIVE_NOT_CONFIGURED", "reconciliation compares the live account with its venue: configure live mode first", 409);
  return account;
}

/** GET /api/reconciliation: the live venue against the live ledger, per asset and open order. */
export async function getReconciliation(engine: GoLiveEngineView, prisma: PrismaClient) {
  const account = liveAccount(engine);
  const venuePerps = account.futures?.venuePositions;
  const [venueBalances, venueOrders, ignored, venuePositions] = await Promise.all([account.venueBalances(), account.venueOpenOrders(), loadIgnored(prisma), venuePerps ? venuePerps() : undefined]);
  return computeReconciliationPanel({
    ...(venuePositions && account.futures ? { perps: { symbols: [...account.futures.contracts.keys()], venuePositions } } : {}),
    at: engine.clock.now(),
    quoteCurrency: engine.config.trading.quoteCurrency,
    venueBalances,
    ledgerPositions: account.ledger.positions(),
    venueOpenOrders: venueOrders.map((o) => ({ id: o.venueOrderId ?? o.clientOrderId, ...o })),
    ledgerOpenOrders: account.openOrders().map((o) => ({ id: o.clientOrderId, ...o })),
    instruments: [...engine.instruments.values()],
    ignored,
  }) satisfies ReconciliationPanelDto;
}

/**
 * POST /api/reconciliation/actions. "ignore" is handled here; adopt, close, mark_closed and cancel
 * need the engine's ports (they book on the live ledger or send to the venue outside a strategy; the
 * route passes reconciliationEnginePorts(engine.kernel), engine-ports.ts). A caller without them
 * gets RECONCILIATION_PORTS_MISSING for those four.
 */
export async function actOnReconciliation(
  engine: GoLiveEngineView,
  prisma: PrismaClient,
  req: ActionRequest,
  actor: string,
  deps: { audit: ReconciliationPorts["audit"]; enginePorts?: Pick<ReconciliationPorts, "adopt" | "close" | "markClosed" | "cancel"> },
) {
  const panel = await getReconciliation(engine, prisma);
  const account = liveAccount(engine);
  const missing = (what: string) => async (): Promise<never> => {
    throw new AppError("RECONCILIATION_PORTS_MISSING", `${what} is not wired into this build's engine yet; only "ignore" is available`, 503);
  };
  const ports: ReconciliationPorts = {
    adopt: deps.enginePorts?.adopt ?? missing("adopt"),
    close: deps.enginePorts?.close ?? missing("close"),
    markClosed: deps.enginePorts?.markClosed ?? missing("mark closed"),
    cancel: deps.enginePorts?.cancel ?? missing("cancel"),
    ignore: async (entry) => {
      const list = (await loadIgnored(prisma)).filter((i) => i.key !== entry.key);
      list.push(entry);
      await prisma.setting.upsert({ where: { key: RECONCILIATION_IGNORED_SETTING }, create: { key: RECONCILIATION_IGNORED_SETTING, value: list as object }, update: { value: list as object } });
    },
    lastPrice: (symbol) => account.lastPrices.get(symbol),
    audit: deps.audit,
  };
  return applyReconciliationAction(panel, req, actor, ports);
}

/**
 * GET /api/go-live/benchmark?mode=: buy-and-hold of the symbols the mode traded (else the configured
 * ones) from the mode's first equity snapshot to now, beside the mode's own return over that period.
 */
export async function getPerformanceBenchmark(
  engine: GoLiveEngineView & { venue: { id: string }; config: { trading: { symbols: readonly string[]; quoteCurrency: string } } },
  prisma: PrismaClient,
  mode: BenchmarkDto["mode"],
): Promise<BenchmarkDto> {
  const first = await prisma.equitySnapshot.findFirst({ where: { mode }, orderBy: { timestamp: "asc" } });
  const last = await prisma.equitySnapshot.findFirst({ where: { mode }, orderBy: { timestamp: "desc" } });
  if (!first || !last) return { mode, from: null, to: null, strategyReturnPct: null, benchmark: null };
  const traded = await prisma.trade.findMany({ where: { mode }, distinct: ["symbol"], select: { symbol: true } });
  const symbols = traded.length ? traded.map((t) => t.symbol) : [...engine.config.trading.symbols];
  const from = first.timestamp;
  const to = last.timestamp;
  const series = [];
  for (const symbol of symbols) {
    const where = { venue: engine.venue.id, symbol, timeframe: "1m", openTime: { gte: from, lte: to } };
    const [a, b] = await Promise.all([
      prisma.candle.findFirst({ where, orderBy: { openTime: "asc" }, select: { openTime: true, close: true } }),
      prisma.candle.findFirst({ where, orderBy: { openTime: "desc" }, select: { openTime: true, close: true } }),
    ]);
    if (a && b && b.openTime > a.openTime) {
      series.push({ symbol, closes: [{ time: a.openTime.getTime(), close: a.close.toNumber() }, { time: b.openTime.getTime(), close: b.close.toNumber() }] });
    }
  }
  const startEquity = first.equity.toNumber();
  const held = buyAndHold(series, startEquity);
  return {
    mode,
    from: from.getTime(),
    to: to.getTime(),
    strategyReturnPct: startEquity > 0 ? ((last.equity.toNumber() - startEquity) / startEquity) * 100 : null,
    benchmark: held ? { returnPct: held.returnPct, perSymbol: held.perSymbol } : null,
  };
}
