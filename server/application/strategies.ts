import { z } from "zod";
import { AppError, notFound } from "../core/errors";
import { newId } from "../core/ids";
import { TIMEFRAMES, type Timeframe } from "../model/types";
import type { StrategyRecord } from "../db";
import { moneyAmount, userText } from "../http/input";
import { createStrategy, listStrategyKinds } from "../strategy";
import type { UseCaseDeps } from "./context";
import type { StrategyInstanceDto, StrategyKindDto } from "../contract";

/** Strategy instances: list, create (validated, stored, started), change, pause/resume, delete; every change audited. */

const timeframeSchema = z.enum(TIMEFRAMES as unknown as [Timeframe, ...Timeframe[]]);
/**
 * Everything create stores or audits is checked here, before the first write: a name the database or
 * the audit chain cannot take, or a capital beyond Decimal(30, 8), is a 400 naming the field rather
 * than a 500 after the strategy was already stored and started.
 */
export const strategyCreateSchema = z.object({
  name: userText({ max: 80 }),
  kind: z.string().min(1).max(64),
  params: z.record(z.string(), z.unknown()).default({}),
  symbols: z.array(z.string().regex(/^[A-Z0-9]+\/[A-Z0-9]+$/)).min(1).max(20),
  timeframe: timeframeSchema.optional(),
  capital: moneyAmount(),
  /** The instance's own loss limits, quote currency, on top of the account's (absent or null = none). */
  maxLossQuote: moneyAmount().nullable().optional(),
  dailyLossQuote: moneyAmount().nullable().optional(),
  status: z.enum(["active", "paused"]).default("active"),
});
export const strategyUpdateSchema = strategyCreateSchema.partial().omit({ kind: true });

/** A loss limit above the capital cannot be reached by losing the capital: almost always a typo. */
function checkLossLimits(capital: number, maxLossQuote: number | null | undefined, dailyLossQuote: number | null | undefined): void {
  for (const [field, value] of [["maxLossQuote", maxLossQuote], ["dailyLossQuote", dailyLossQuote]] as const) {
    if (value != null && value > capital) {
      throw new AppError("STRATEGY_LOSS_LIMIT_ABOVE_CAPITAL", `${field} (${value}) must not exceed the instance's capital (${capital})`, 400, { field, value, capital });
    }
  }
  if (maxLossQuote != null && dailyLossQuote != null && dailyLossQuote > maxLossQuote) {
    throw new AppError("STRATEGY_LOSS_LIMIT_INVALID", `dailyLossQuote (${dailyLossQuote}) must not exceed maxLossQuote (${maxLossQuote})`, 400, { field: "dailyLossQuote" });
  }
}

const specLimits = (row: Pick<StrategyRecord, "maxLossQuote" | "dailyLossQuote">) => ({ maxLossQuote: row.maxLossQuote ?? undefined, dailyLossQuote: row.dailyLossQuote ?? undefined });

export function strategyUseCases({ engine, repos, audit }: UseCaseDeps) {
  const dto = async (row: StrategyRecord) => {
    const stats = await repos.strategies.stats(row.id, engine.kernel.mode);
    return {
      id: row.id,
      name: row.name,
      kind: row.kind,
      params: row.params as Record<string, unknown>,
      symbols: row.symbols,
      timeframe: row.timeframe,
      capital: row.capital,
      maxLossQuote: row.maxLossQuote,
      dailyLossQuote: row.dailyLossQuote,
      status: row.status as StrategyInstanceDto["status"],
      running: engine.kernel.strategy(row.id) !== undefined,
      createdAt: row.createdAt,
      stats: { trades: stats.trades, pnl: stats.pnl, winRate: stats.trades ? (stats.wins / stats.trades) * 100 : null },
    } satisfies StrategyInstanceDto;
  };
  const checkSymbols = (symbols: string[]) => {
    const unknown = symbols.filter((s) => !engine.instruments.has(s));
    if (unknown.length) throw new AppError("UNKNOWN_SYMBOL", `not traded on ${engine.venue.id}: ${unknown.join(", ")}`, 400);
  };
  return {
    async list() {
      return Promise.all((await repos.strategies.list()).map(dto));
    },

    kinds: () => listStrategyKinds() satisfies StrategyKindDto[],

    async get(id: string) {
      const row = await repos.strategies.get(id);
      if (!row) throw notFound(`strategy instance ${id}`);
      return dto(row);
    },

    async create(input: z.infer<typeof strategyCreateSchema>, actor: string) {
      checkSymbols(input.symbols);
      checkLossLimits(input.capital, input.maxLossQuote, input.dailyLossQuote);
      const id = newId("str_");
      // Validates kind, params and timeframe before anything is stored (a bad param is named in the error).
      const probe = createStrategy(input.kind, input.params, { id, symbols: input.symbols, timeframe: input.timeframe });
      const timeframe = probe.subscriptions[0]?.timeframe ?? input.timeframe ?? "5m";
      const params = probe.params as object;
      const limits = { maxLossQuote: input.maxLossQuote ?? null, dailyLossQuote: input.dailyLossQuote ?? null };
      const row = await repos.strategies.create({ id, name: input.name, kind: input.kind, params, symbols: input.symbols, timeframe, capital: input.capital, ...limits, status: input.status });
      engine.startStrategy({ ...specLimits(row), id, name: row.name, kind: row.kind, params, symbols: row.symbols, timeframe, capital: input.capital, paused: input.status !== "active" });
      await audit?.({ actor, action: "strategy.create", data: { id, kind: input.kind, name: input.name } });
      return dto(row);
    },

    async update(id: string, input: z.infer<typeof strategyUpdateSchema>, actor: string) {
      const row = await repos.strategies.get(id);
      if (!row) throw notFound(`strategy instance ${id}`);
      const symbols = input.symbols ?? row.symbols;
      checkSymbols(symbols);
      const timeframe = input.timeframe ?? row.timeframe;
      checkLossLimits(input.capital ?? row.capital, input.maxLossQuote === undefined ? row.maxLossQuote : input.maxLossQuote, input.dailyLossQuote === undefined ? row.dailyLossQuote : input.dailyLossQuote);
      const probe = createStrategy(row.kind, input.params ?? row.params, { id, symbols, timeframe });
      const updated = await repos.strategies.update(id, {
        name: input.name,
        params: probe.params as object,
        symbols,
        timeframe,
        capital: input.capital,
        maxLossQuote: input.maxLossQuote,
        dailyLossQuote: input.dailyLossQuote,
        status: input.status,
      });
      // A changed strategy starts fresh (re-warmed from history); its open positions stay and keep their exits.
      engine.strategies.stop(id);
      engine.startStrategy({ ...specLimits(updated), id, name: updated.name, kind: updated.kind, params: probe.params, symbols, timeframe, capital: updated.capital, paused: updated.status !== "active" });
      await audit?.({ actor, action: "strategy.update", data: { id, changes: input } });
      return dto(updated);
    },

    async setStatus(id: string, status: "active" | "paused", actor: string) {
      const row = await repos.strategies.setStatus(id, status);
      if (!row) throw notFound(`strategy instance ${id}`);
      engine.kernel.setStrategyPaused(id, status !== "active");
      await audit?.({ actor, action: status === "active" ? "strategy.resume" : "strategy.pause", data: { id } });
      return dto(row);
    },

    async delete(id: string, actor: string) {
      const open = [...engine.kernel.accounts.values()].some((a) => a.ledger.positions().some((p) => p.strategyInstanceId === id));
      if (open) throw new AppError("STRATEGY_HAS_POSITIONS", "this strategy still has open positions: close them (or pause it) first", 409);
      const deleted = await repos.strategies.delete(id);
      if (!deleted) throw notFound(`strategy instance ${id}`);
      engine.strategies.stop(id);
      await audit?.({ actor, action: "strategy.delete", data: { id, name: deleted.name } });
      return { ok: true };
    },
  };
}
