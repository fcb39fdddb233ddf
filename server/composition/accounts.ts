import type { AppConfig } from "../config";
import { systemClock } from "../core/clock";
import type { EventBus } from "../core/event-bus";
import { newClientOrderId, newId } from "../core/ids";
import type { Logger } from "../core/logger";
import type { Database } from "../db/database";
import { PrismaOrderStore, replayEntryFromRow } from "../db/repositories/order-store";
import type { SettingsRepository } from "../db/repositories/settings-store";
import { OrderThrottle, createLiveVenue, createLocalVenue, restoreVenueOrders, type ExecutionVenue } from "../execution";
import type { TradingMode } from "../model/types";
import { Ledger, sequentialLedgerIds } from "../portfolio";
import { TradingAccount } from "../engine/account";
import type { EngineEvents } from "../engine/events";
import type { EventRecorder } from "../application/event-recorder";
import { replayFills } from "../engine/replay";
import type { VenueConnection } from "./venue";

/**
 * The account factory: one TradingAccount per mode (ghost, paper, and live when exchange keys are
 * known). Each ledger is rebuilt from the stored fills (the source of truth); the venue of the mode
 * goes straight into the account's order gateway, with one order-rate throttle per venue.
 */
export interface AccountFactoryOptions {
  config: AppConfig;
  db: Database;
  logger: Logger;
  bus: EventBus<EngineEvents>;
  settings: SettingsRepository;
  persistence: EventRecorder;
  connection: VenueConnection;
  /** Called after every change of an account's kill-switch run. */
  onKillSwitchProgress: () => void;
}

const LEDGER_START_SETTING = (mode: string) => `ledger-start:${mode}`;

export async function createAccounts(options: AccountFactoryOptions): Promise<TradingAccount[]> {
  const throttles = new Map<string, OrderThrottle>();
  const limits = options.config.venue.orderRateLimits;
  const throttleFor = (venueId: string) => {
    let throttle = throttles.get(venueId);
    if (!throttle) {
      throttle = new OrderThrottle(
        { windows: [{ limit: limits.per10s, windowMs: 10_000 }, { limit: limits.perDay, windowMs: 86_400_000 }], headroomPct: limits.headroomPct },
        options.connection.clock,
      );
      throttles.set(venueId, throttle);
    }
    return throttle;
  };
  const accounts: TradingAccount[] = [];
  for (const mode of ["ghost", "paper", "live"] as const) {
    const account = await createAccount(mode, options, throttleFor);
    if (account) accounts.push(account);
  }
  return accounts;
}

async function createAccount(mode: TradingMode, options: AccountFactoryOptions, throttleFor: (venueId: string) => OrderThrottle): Promise<TradingAccount | undefined> {
  const { config, logger, db, settings, persistence, connection } = options;
  const prisma = db.prisma;
  const quote = config.trading.quoteCurrency;
  const venueOptions = { clock: connection.clock, logger, fees: connection.fees, instruments: connection.instruments, exchange: connection.exchange, venue: connection.venue, symbols: config.trading.symbols };
  let venue: ExecutionVenue | undefined;

  // The ledger is rebuilt from the stored fills: they are the source of truth.
  let startingCash = await settings.get<number>(LEDGER_START_SETTING(mode));
  const rows = await prisma.fill.findMany({ where: { order: { mode } }, orderBy: { seq: "asc" }, include: { order: true } });

  if (mode === "live") {
    if (!(connection.venue.simulated || connection.hasKeys)) return undefined;
    venue = createLiveVenue(venueOptions);
    if (startingCash === null) {
      const balances = await venue.fetchBalances().catch(() => []);
      startingCash = balances.find((b) => b.asset === quote)?.free ?? 0;
      await settings.set(LEDGER_START_SETTING(mode), startingCash);
    }
  }
  if (startingCash === null) {
    startingCash = config.trading.startingBalance;
    await settings.set(LEDGER_START_SETTING(mode), startingCash);
  }
  const ledger = new Ledger({ mode, quoteCurrency: quote, ids: sequentialLedgerIds(`${mode}-`), startingCash });
  const restored = replayFills(ledger, rows.map(replayEntryFromRow), logger);
  if (restored.fills) logger.info({ mode, fills: restored.fills, open: ledger.openPositionCount }, "ledger rebuilt from stored fills");

  if (!venue) {
    const balances: Record<string, number> = {};
    for (const b of ledger.balances()) balances[b.asset] = b.free + b.locked;
    venue = createLocalVenue(mode === "ghost" ? "ghost" : "paper", venueOptions, balances);
  }

  const orderStore = new PrismaOrderStore(prisma, venue.id);
  const account = await TradingAccount.create({
    mode,
    venue,
    orderStore,
    throttle: throttleFor(venue.id),
    riskStore: settings.riskStateStore(mode),
    ledger,
    clock: connection.clock,
    limits: config.risk,
    bus: options.bus,
    logger: logger.child({ mode }),
    instruments: connection.instruments,
    fees: connection.fees,
    newClientOrderId,
    newEventId: () => newId("rev_"),
    wallClock: systemClock,
    dustStore: orderStore,
    restored,
    onKillSwitchProgress: options.onKillSwitchProgress,
  });
  restoreVenueOrders(venue, await orderStore.loadOpenOrders(mode));
  await persistence.saveTrades(restored.trades);
  await persistence.syncPositions(mode, ledger.positions(), connection.clock.now());
  return account;
}
