import type { AppConfig } from "../config";
import { EventBus } from "../core/event-bus";
import type { Logger } from "../core/logger";
import { type Database, SessionRepository, SettingsRepository, StrategyRepository, EngineRecordStore } from "../db";
import type { Signal, TradingMode } from "../model/types";
import type { EngineEvents } from "../engine";
import { EventRecorder } from "../application";
import { EngineRuntime, type VenueConnection } from "../engine/runtime";
import { createAccounts, saveLedgerSnapshots, type LedgerIdCounters } from "./accounts";
import { storedStrategies } from "./strategies";
import { connectVenue } from "./venue";

/**
 * The engine part of the composition root: venue factory → account factory → kernel (with its signal
 * enrichment) → runtime. server/app.ts calls it once; tests that need a whole engine call it the same
 * way. The backtest root (server/backtest/engine.ts) composes the same kernel with another clock and venue.
 */
export interface ComposeEngineOptions {
  config: AppConfig;
  db: Database;
  logger: Logger;
  audit?: (entry: { actor: string; action: string; data: Record<string, unknown> }) => Promise<void>;
  /** Exchange keys entered in Settings (stored encrypted); the environment's VENUE_API_KEY wins. */
  credentials?: () => Promise<{ apiKey: string; secret: string } | null>;
  /** Already connected (the root builds services on the connection before the kernel). */
  connection?: VenueConnection;
  enrichSignal?: (signal: Signal) => Signal;
}

const MODE_SETTING = "trading-mode";

export async function composeEngine(options: ComposeEngineOptions): Promise<EngineRuntime> {
  const { config, db, logger } = options;
  const connection = options.connection ?? (await connectVenue({ config, db, logger, credentials: options.credentials }));
  try {
    const bus = new EventBus<EngineEvents>((event, err) => logger.error({ err, event }, "engine event listener failed"));
    const settings = new SettingsRepository(db.prisma);
    const recorder = new EventRecorder(new EngineRecordStore(db.prisma), bus, logger);
    let engine: EngineRuntime | undefined;
    const counters: LedgerIdCounters = new Map();
    const accounts = await createAccounts({
      config,
      db,
      logger,
      bus,
      settings,
      persistence: recorder,
      connection,
      onKillSwitchProgress: () => engine && bus.emit("kill-switch", engine.kernel.killSwitchStatus()),
    }, counters);
    const storedMode = await settings.get<TradingMode>(MODE_SETTING);
    engine = new EngineRuntime({
      config,
      logger,
      bus,
      connection,
      accounts,
      mode: storedMode ?? config.trading.mode,
      recorder,
      storedStrategies: storedStrategies({ strategies: new StrategyRepository(db.prisma), sessions: new SessionRepository(db.prisma), settings, config, logger }),
      saveMode: (mode) => settings.set(MODE_SETTING, mode),
      audit: options.audit,
      enrichSignal: options.enrichSignal,
      saveSnapshots: () => saveLedgerSnapshots(accounts, { db, settings, counters, clock: connection.clock }),
      settings,
    });
    return engine;
  } catch (err) {
    if (!options.connection) await connection.close();
    throw err;
  }
}
