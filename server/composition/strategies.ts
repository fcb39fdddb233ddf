import type { AppConfig } from "../config";
import { newId } from "../core/ids";
import type { Logger } from "../core/logger";
import type { SessionRepository, SettingsRepository, StrategyRepository } from "../db";
import type { StrategyInstanceSpec } from "../engine";
import { listStrategyKinds } from "../strategy";

/**
 * The strategy instances the engine starts with: the stored ones (a session's only while its session
 * runs), and on a fresh install the seed plan's defaults (MA crossover 9/21 on 5m, RSI reversion on 1m).
 */
export function storedStrategies(deps: { strategies: StrategyRepository; sessions: SessionRepository; settings: SettingsRepository; config: AppConfig; logger: Logger }) {
  return async (): Promise<StrategyInstanceSpec[]> => {
    const { strategies, sessions, settings, config } = deps;
    let rows = await strategies.list();
    if (rows.length === 0 && config.trading.autoStart && !(await settings.get("defaults-created"))) {
      await createDefaultStrategies(deps);
      rows = await strategies.list();
    }
    const running = new Map((await sessions.running()).map((r) => [`ses_${r.id}`, { id: r.id, config: r.config as Record<string, number> }]));
    const specs: StrategyInstanceSpec[] = [];
    for (const row of rows) {
      // A session's strategy runs only while its session does.
      const session = row.id.startsWith("ses_") ? running.get(row.id) : undefined;
      if (row.id.startsWith("ses_") && !session) continue;
      specs.push({
        id: row.id,
        name: row.name,
        kind: row.kind,
        params: row.params,
        symbols: row.symbols,
        timeframe: row.timeframe,
        capital: row.capital,
        maxLossQuote: row.maxLossQuote ?? undefined,
        dailyLossQuote: row.dailyLossQuote ?? undefined,
        paused: row.status !== "active",
        state: row.state,
        session: session && {
          id: session.id,
          maxPositionQuote: session.config.maxPositionQuote,
          maxOpenPositions: session.config.maxOpenPositions,
          stopLossPct: session.config.stopLossPct,
          takeProfitPct: session.config.takeProfitPct,
        },
      });
    }
    return specs;
  };
}

async function createDefaultStrategies(deps: { strategies: StrategyRepository; settings: SettingsRepository; config: AppConfig; logger: Logger }): Promise<void> {
  const { strategies, settings, config, logger } = deps;
  const kinds = listStrategyKinds();
  const capital = config.trading.startingBalance / 2;
  const preset = (kind: string, id: string) => kinds.find((k) => k.kind === kind)?.presets.find((p) => p.id === id)?.params;
  // On futures (TRADING_MARKET=futures) the defaults trade both directions: a perpetual can be shorted.
  const futures = config.trading.market === "futures";
  const withShorts = (params: Record<string, unknown> | undefined) => (params && futures ? { ...params, allowShort: true } : params);
  const suffix = futures ? ", long/short" : "";
  const defaults = [
    { kind: "ma_crossover", params: withShorts(preset("ma_crossover", "ema-9-21-5m")), name: `MA crossover 9/21 (5m${suffix})`, timeframe: "5m" },
    { kind: "rsi_reversion", params: withShorts(preset("rsi_reversion", "rsi-14-30-70-15m")), name: `RSI mean reversion 30/70 (1m${suffix})`, timeframe: "1m" },
  ];
  let created = 0;
  for (const d of defaults) {
    if (!d.params) {
      logger.warn({ kind: d.kind }, "default strategy preset not found: not created");
      continue;
    }
    await strategies.create({ id: newId("str_"), name: d.name, kind: d.kind, params: d.params as object, symbols: config.trading.symbols, timeframe: d.timeframe, capital, status: "active" });
    created += 1;
  }
  if (created) await settings.set("defaults-created", true);
}
