import { z } from "zod";
import { AppError, notFound } from "../core/errors";
import { newId } from "../core/ids";
import type { PrismaClient } from "../db/generated/client";
import { num } from "../db/repositories/convert";
import { TIMEFRAMES, type Timeframe, type TradingMode } from "../model/types";
import { riskLimitsSchema } from "../config/risk-limits";
import { moneyAmount, userText } from "../http/input";
import { createStrategy, listStrategyKinds } from "../strategy";
import type { SubmitResult } from "./account";
import type { EngineRuntime } from "./runtime";

/**
 * Write side of the API. Every order goes through the risk engine; every change that matters to a
 * trader's money (mode, limits, kill switch) is audited.
 */

export type AuditFn = (entry: { actor: string; action: string; data: Record<string, unknown> }) => Promise<void>;

function orderOutcome(result: SubmitResult) {
  if (!result.decision.allowed) {
    throw new AppError("RISK_DENIED", result.decision.message, 422, { code: result.decision.code, data: result.decision.data ?? null });
  }
  // A close that found only dust sends no order: the remainder was recorded as dust (see account.closePosition).
  return { order: result.order, dust: result.dust ?? null, riskChecks: result.decision.checks.map((c) => ({ check: c.check, code: c.code, message: c.message })) };
}

export const manualOrderSchema = z
  .object({
    symbol: z.string().min(1),
    side: z.enum(["buy", "sell"]),
    type: z.enum(["market", "limit"]).default("market"),
    quantity: z.number().positive().finite(),
    price: z.number().positive().finite().optional(),
    stopLoss: z.number().positive().finite().optional(),
    takeProfit: z.number().positive().finite().optional(),
  })
  .refine((o) => o.type !== "limit" || o.price !== undefined, { message: "a limit order needs a price", path: ["price"] });

export async function placeManualOrder(engine: EngineRuntime, input: z.infer<typeof manualOrderSchema>, actor: string) {
  if (!engine.instruments.has(input.symbol)) throw new AppError("UNKNOWN_SYMBOL", `unknown symbol ${input.symbol}`, 400);
  return orderOutcome(await engine.kernel.placeManualOrder({ ...input, actor }));
}

export async function closePosition(engine: EngineRuntime, positionId: string, actor: string) {
  return orderOutcome(await engine.kernel.closePosition(positionId, actor));
}

export const modeSchema = z.object({
  mode: z.enum(["ghost", "paper", "live"]),
  confirm: z.literal(true, { message: "switching modes needs confirm: true" }),
  arming: z
    .object({
      typedConfirmation: z.string().optional(),
      acknowledgedDailyLossLimit: z.number().optional(),
      acknowledgedMaxPosition: z.number().optional(),
      totpCode: z.string().optional(),
    })
    .optional(),
});

export async function setMode(
  engine: EngineRuntime,
  input: z.infer<typeof modeSchema>,
  actor: string,
  armLive?: (arming: z.infer<typeof modeSchema>["arming"]) => Promise<void>,
) {
  const mode = input.mode as TradingMode;
  if (mode === "live" && !engine.kernel.accounts.has("live")) {
    throw new AppError("LIVE_NOT_CONFIGURED", `live mode needs exchange API keys for ${engine.venue.id} (VENUE_API_KEY / VENUE_API_SECRET or Settings)`, 409);
  }
  // Real money needs explicit arming; the simulator and testnets only the confirmation.
  if (mode === "live" && !engine.venue.simulated && !engine.venue.testnet) {
    if (!armLive) throw new AppError("ARMING_UNAVAILABLE", "live trading on a real-money venue cannot be armed: the security module is not available", 503);
    await armLive(input.arming);
  }
  await engine.setMode(mode, actor);
  return { mode: engine.kernel.mode };
}

// ---- strategies ----

const timeframeSchema = z.enum(TIMEFRAMES as unknown as [Timeframe, ...Timeframe[]]);
/**
 * Everything createStrategyInstance stores or audits is checked here, before the first write: a name
 * the database or the audit chain cannot take, or a capital beyond Decimal(30, 8), is a 400 naming
 * the field rather than a 500 after the strategy was already stored and started.
 */
export const strategyCreateSchema = z.object({
  name: userText({ max: 80 }),
  kind: z.string().min(1).max(64),
  params: z.record(z.string(), z.unknown()).default({}),
  symbols: z.array(z.string().regex(/^[A-Z0-9]+\/[A-Z0-9]+$/)).min(1).max(20),
  timeframe: timeframeSchema.optional(),
  capital: moneyAmount(),
  status: z.enum(["active", "paused"]).default("active"),
});
export const strategyUpdateSchema = strategyCreateSchema.partial().omit({ kind: true });

type StrategyRow = Awaited<ReturnType<PrismaClient["strategyInstance"]["findMany"]>>[number];

async function strategyDto(engine: EngineRuntime, prisma: PrismaClient, row: StrategyRow) {
  const stats = await prisma.trade.aggregate({ where: { strategyInstanceId: row.id, mode: engine.kernel.mode }, _count: true, _sum: { pnl: true } });
  const wins = await prisma.trade.count({ where: { strategyInstanceId: row.id, mode: engine.kernel.mode, pnl: { gt: 0 } } });
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    params: row.params,
    symbols: row.symbols,
    timeframe: row.timeframe,
    capital: num(row.capital),
    status: row.status,
    running: engine.kernel.strategy(row.id) !== undefined,
    createdAt: row.createdAt.getTime(),
    stats: { trades: stats._count, pnl: num(stats._sum.pnl), winRate: stats._count ? (wins / stats._count) * 100 : null },
  };
}

export async function listStrategies(engine: EngineRuntime, prisma: PrismaClient) {
  const rows = await prisma.strategyInstance.findMany({ orderBy: { createdAt: "asc" } });
  return Promise.all(rows.map((r) => strategyDto(engine, prisma, r)));
}

export function strategyKinds() {
  return listStrategyKinds();
}

function checkSymbols(engine: EngineRuntime, symbols: string[]) {
  const unknown = symbols.filter((s) => !engine.instruments.has(s));
  if (unknown.length) throw new AppError("UNKNOWN_SYMBOL", `not traded on ${engine.venue.id}: ${unknown.join(", ")}`, 400);
}

export async function createStrategyInstance(engine: EngineRuntime, prisma: PrismaClient, input: z.infer<typeof strategyCreateSchema>, actor: string, audit?: AuditFn) {
  checkSymbols(engine, input.symbols);
  const id = newId("str_");
  // Validates kind, params and timeframe before anything is stored (a bad param is named in the error).
  const probe = createStrategy(input.kind, input.params, { id, symbols: input.symbols, timeframe: input.timeframe });
  const timeframe = probe.subscriptions[0]?.timeframe ?? input.timeframe ?? "5m";
  const params = probe.params as object;
  const row = await prisma.strategyInstance.create({
    data: { id, name: input.name, kind: input.kind, params, symbols: input.symbols, timeframe, capital: String(input.capital), status: input.status },
  });
  engine.startStrategy({ id, name: row.name, kind: row.kind, params, symbols: row.symbols, timeframe, capital: input.capital, paused: input.status !== "active" });
  await audit?.({ actor, action: "strategy.create", data: { id, kind: input.kind, name: input.name } });
  return strategyDto(engine, prisma, row);
}

export async function getStrategyInstance(engine: EngineRuntime, prisma: PrismaClient, id: string) {
  const row = await prisma.strategyInstance.findUnique({ where: { id } });
  if (!row) throw notFound(`strategy instance ${id}`);
  return strategyDto(engine, prisma, row);
}

export async function updateStrategyInstance(engine: EngineRuntime, prisma: PrismaClient, id: string, input: z.infer<typeof strategyUpdateSchema>, actor: string, audit?: AuditFn) {
  const row = await prisma.strategyInstance.findUnique({ where: { id } });
  if (!row) throw notFound(`strategy instance ${id}`);
  const symbols = input.symbols ?? row.symbols;
  checkSymbols(engine, symbols);
  const timeframe = input.timeframe ?? (row.timeframe as Timeframe);
  const probe = createStrategy(row.kind, input.params ?? row.params, { id, symbols, timeframe });
  const updated = await prisma.strategyInstance.update({
    where: { id },
    data: {
      name: input.name,
      params: probe.params as object,
      symbols,
      timeframe,
      capital: input.capital !== undefined ? String(input.capital) : undefined,
      status: input.status,
      state: {},
    },
  });
  // A changed strategy starts fresh (re-warmed from history); its open positions stay and keep their exits.
  engine.kernel.removeStrategy(id);
  engine.startStrategy({ id, name: updated.name, kind: updated.kind, params: probe.params, symbols, timeframe, capital: num(updated.capital), paused: updated.status !== "active" });
  await audit?.({ actor, action: "strategy.update", data: { id, changes: input } });
  return strategyDto(engine, prisma, updated);
}

export async function setStrategyStatus(engine: EngineRuntime, prisma: PrismaClient, id: string, status: "active" | "paused", actor: string, audit?: AuditFn) {
  const row = await prisma.strategyInstance.update({ where: { id }, data: { status } }).catch(() => null);
  if (!row) throw notFound(`strategy instance ${id}`);
  engine.kernel.setStrategyPaused(id, status !== "active");
  await audit?.({ actor, action: status === "active" ? "strategy.resume" : "strategy.pause", data: { id } });
  return strategyDto(engine, prisma, row);
}

export async function deleteStrategyInstance(engine: EngineRuntime, prisma: PrismaClient, id: string, actor: string, audit?: AuditFn) {
  const open = [...engine.kernel.accounts.values()].some((a) => a.ledger.positions().some((p) => p.strategyInstanceId === id));
  if (open) throw new AppError("STRATEGY_HAS_POSITIONS", "this strategy still has open positions: close them (or pause it) first", 409);
  const deleted = await prisma.strategyInstance.delete({ where: { id } }).catch(() => null);
  if (!deleted) throw notFound(`strategy instance ${id}`);
  engine.kernel.removeStrategy(id);
  await audit?.({ actor, action: "strategy.delete", data: { id, name: deleted.name } });
  return { ok: true };
}

// ---- risk ----

export const tightenSchema = riskLimitsSchema.partial().strict();

export async function tightenLimits(engine: EngineRuntime, partial: z.infer<typeof tightenSchema>, actor: string, audit?: AuditFn) {
  const before = engine.kernel.activeAccount.risk.limits;
  // Limits apply to every account: tighten all, so a mode switch cannot loosen them.
  let limits = before;
  for (const account of engine.kernel.accounts.values()) limits = await account.risk.tightenLimits(partial, { actor });
  await audit?.({ actor, action: "risk.limits.tighten", data: { changes: partial } });
  return { limits };
}

export const killSwitchSchema = z.object({
  action: z.enum(["flatten", "stop-entries"]),
  confirm: z.literal(true, { message: "the kill switch needs confirm: true" }),
});

export function startKillSwitch(engine: EngineRuntime, input: z.infer<typeof killSwitchSchema>, actor: string) {
  return engine.kernel.startKillSwitch(input.action, actor, input.action === "flatten" ? `kill switch by ${actor}` : `stop new entries by ${actor}`);
}

export const resetSchema = z.object({ confirm: z.literal(true, { message: "resetting needs confirm: true" }) });

export async function resetKillSwitch(engine: EngineRuntime, actor: string) {
  return engine.kernel.resetKillSwitch(actor);
}
