import type { AppConfig } from "../config";
import { systemClock } from "../core/clock";
import type { EventBus } from "../core/event-bus";
import { newClientOrderId, newId } from "../core/ids";
import type { Logger } from "../core/logger";
import { type Database, PrismaOrderStore, FillReplayRepository, type SettingsRepository } from "../db";
import { LiveVenue, OrderThrottle, createLiveVenue, createLocalVenue, restoreVenueOrders, type ExecutionVenue, type MarketPrint } from "../execution";
import type { TradingMode } from "../model/types";
import { Ledger } from "../portfolio";
import { type AccountFutures, FillBooker, countingLedgerIds, parseLedgerSnapshot, type LedgerSnapshot, TradingAccount, type EngineEvents, replayFills, type ReplayEntry, venuePerpPositions } from "../engine";
import type { EventRecorder } from "../application";
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
export const LEDGER_SNAPSHOT_SETTING = (mode: string) => `ledger-snapshot:${mode}`;

/** The id counters of each account's ledger (what a snapshot stores to resume them). */
export type LedgerIdCounters = Map<TradingMode, () => { positions: number; trades: number }>;

export async function createAccounts(options: AccountFactoryOptions, counters: LedgerIdCounters = new Map()): Promise<TradingAccount[]> {
  const throttles = new Map<string, OrderThrottle>();
  const limits = options.config.venue.orderRateLimits;
  const throttleFor = (venueId: string) => {
    let throttle = throttles.get(venueId);
    if (!throttle) {
      throttle = new OrderThrottle(
        { windows: [{ limit: limits.per10s, windowMs: 10_000 }, { limit: limits.perDay, windowMs: 86_400_000 }], headroomPct: limits.headroomPct },
        // A venue counts orders in real seconds, whatever the market clock's speed (SIM_SPEED).
        systemClock,
      );
      throttles.set(venueId, throttle);
    }
    return throttle;
  };
  const accounts: TradingAccount[] = [];
  for (const mode of ["ghost", "paper", "live"] as const) {
    const account = await createAccount(mode, options, throttleFor, counters);
    if (account) accounts.push(account);
  }
  return accounts;
}

async function createAccount(mode: TradingMode, options: AccountFactoryOptions, throttleFor: (venueId: string) => OrderThrottle, counters: LedgerIdCounters): Promise<TradingAccount | undefined> {
  const { config, logger, db, settings, persistence, connection } = options;
  const prisma = db.prisma;
  const quote = config.trading.quoteCurrency;
  const venueOptions = {
    clock: connection.clock,
    logger,
    fees: connection.fees,
    instruments: connection.instruments,
    exchange: connection.exchange,
    venue: connection.venue,
    symbols: config.trading.symbols,
    // The paper venue's queue fills on the market's public trades (market data `trade`, streamed with `trades: true`).
    prints: (listener: (print: MarketPrint) => void) => connection.market?.events.on("trade", listener) ?? (() => {}),
    ...(config.trading.market === "futures" ? { allowShorting: true } : {}),
    // Futures: the paper venue checks perp orders against margin at the contracts' leverage (risk.maxLeverage).
    ...(config.trading.market === "futures" && connection.perpContracts ? { perpContracts: connection.perpContracts } : {}),
  };
  let venue: ExecutionVenue | undefined;

  // The ledger is rebuilt from the stored fills (the source of truth): from its last snapshot on, when there is one.
  let startingCash = await settings.get<number>(LEDGER_START_SETTING(mode));

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
  // Futures (TRADING_MARKET=futures): a sell may open a short, so the ledger books short positions.
  const allowShort = config.trading.market === "futures";
  const { ledger, restored, ids, snapshot } = await restoreLedger({ mode, startingCash, quoteCurrency: quote, db, settings, logger, ...(allowShort ? { allowShort } : {}) });
  counters.set(mode, ids.counters);
  if (restored.fills || snapshot)
    logger.info({ mode, fills: restored.fills, fromSnapshot: snapshot ? snapshot.throughSeq : null, open: ledger.openPositionCount }, snapshot ? "ledger restored from its snapshot and the fills after it" : "ledger rebuilt from stored fills");

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
    // Futures: the perp-only risk checks run on orders of these contracts (RiskContext.futures).
    ...(allowShort && connection.perpContracts ? { futures: accountFutures(mode, connection, orderStore) } : {}),
  });
  // Live futures: the venue's own liquidations (orders "autoclose-…" no order of the bot's has) are booked by the account.
  if (allowShort && venue instanceof LiveVenue) venue.onVenueLiquidation((update) => account.bookVenueLiquidation(update));
  restoreVenueOrders(venue, await orderStore.loadOpenOrders(mode));
  await persistence.saveTrades(restored.trades);
  await persistence.syncPositions(mode, ledger.positions(), connection.clock.now());
  return account;
}

/**
 * The futures side of a mode's account: the contracts, funding stored with the fills (replayed after
 * a restart), and live the venue's own funding income (ccxt fetchFundingHistory: Binance GET
 * /fapi/v1/income FUNDING_FEE). Paper and ghost compute funding at the default rate (no stored history).
 */
function accountFutures(mode: TradingMode, connection: VenueConnection, store: PrismaOrderStore): AccountFutures {
  const exchange = connection.exchange;
  const income =
    mode === "live" && exchange.has?.fetchFundingHistory
      ? async (since: number) =>
          (await exchange.fetchFundingHistory(undefined, since)).map((f) => ({ symbol: String(f.symbol), amount: Number(f.amount), time: Number(f.timestamp), ...(f.id ? { id: String(f.id) } : {}) }))
      : undefined;
  // Live: the venue's positions (positionRisk), which the kill switch closes and confirms flat from.
  const symbols = [...connection.perpContracts!.keys()];
  const positions = mode === "live" && exchange.has?.fetchPositions ? async () => venuePerpPositions(await exchange.fetchPositions(symbols)) : undefined;
  return { contracts: connection.perpContracts!, fundingStore: store, ...(income ? { fundingIncome: income } : {}), ...(positions ? { venuePositions: positions } : {}) };
}

/**
 * A mode's ledger after a restart: the snapshot's ledger with the fills stored after it replayed, or
 * (no usable snapshot) a new ledger with every stored fill replayed. Both through the FillBooker.
 */
export async function restoreLedger(options: { mode: TradingMode; startingCash: number; quoteCurrency: string; db: Database; settings: SettingsRepository; logger: Logger; allowShort?: boolean }) {
  const { ledger, entries, booker, ids, snapshot } = await ledgerToReplay(options.mode, options.startingCash, options.quoteCurrency, options);
  const restored = replayFills(ledger, entries, options.logger, booker);
  return { ledger, restored, ids, snapshot };
}

async function ledgerToReplay(mode: TradingMode, startingCash: number, quote: string, options: { db: Database; settings: SettingsRepository; logger: Logger; allowShort?: boolean }) {
  const fills = new FillReplayRepository(options.db.prisma);
  const allowShort = options.allowShort ?? false;
  const snapshot = parseLedgerSnapshot(await options.settings.get(LEDGER_SNAPSHOT_SETTING(mode)), mode);
  // A snapshot taken under the other market (spot ↔ futures) does not say whether shorts are allowed as
  // now: every stored fill is replayed into a ledger of the current market instead.
  if (snapshot && Boolean((snapshot.ledger as { allowShort?: unknown }).allowShort) !== allowShort) {
    options.logger.warn({ mode, allowShort }, "the ledger snapshot is of the other market (spot / futures): replaying every stored fill");
  } else if (snapshot) {
    try {
      const ids = countingLedgerIds(`${mode}-`, snapshot.ids);
      const ledger = Ledger.fromJSON(snapshot.ledger, { ids });
      const booker = new FillBooker(ledger);
      booker.seed(snapshot);
      const through = BigInt(snapshot.throughSeq);
      const entries: ReplayEntry[] = (await fills.entriesFrom(mode, through)).map(({ seq, ...entry }) => (seq === through ? { ...entry, dustMovesFrom: snapshot.dustMovesApplied } : entry));
      return { ledger, entries, booker, ids, snapshot: snapshot as LedgerSnapshot | null };
    } catch (err) {
      options.logger.warn({ err, mode }, "the ledger snapshot could not be used: replaying every stored fill");
    }
  }
  const ids = countingLedgerIds(`${mode}-`);
  const ledger = new Ledger({ mode, quoteCurrency: quote, ids, startingCash, ...(allowShort ? { allowShort } : {}) });
  const entries: ReplayEntry[] = (await fills.entriesFrom(mode)).map(({ seq: _seq, ...entry }) => entry);
  return { ledger, entries, booker: new FillBooker(ledger), ids, snapshot: null as LedgerSnapshot | null };
}

/**
 * Store a snapshot of every account's ledger, each only when it is consistent with the stored fills:
 * the booker has seen exactly the fills stored through the newest one, and none arrived meanwhile.
 * Returns the modes snapshotted.
 */
export async function saveLedgerSnapshots(accounts: Iterable<Pick<TradingAccount, "mode" | "ledger" | "bookingState">>, deps: { db: Database; settings: SettingsRepository; counters: LedgerIdCounters; clock: { now(): number } }): Promise<TradingMode[]> {
  const fills = new FillReplayRepository(deps.db.prisma);
  const saved: TradingMode[] = [];
  for (const account of accounts) {
    const mode = account.mode as TradingMode;
    const counters = deps.counters.get(mode);
    if (!counters) continue;
    const before = await fills.latest(mode);
    if (!before) continue;
    const stored = await fills.countThrough(mode, before.seq);
    const booking = account.bookingState();
    const ledger = account.ledger.toJSON();
    const ids = counters();
    const after = await fills.latest(mode);
    if (booking.attempts !== stored || !after || after.seq !== before.seq || after.dustMoves !== before.dustMoves) continue;
    const snapshot: LedgerSnapshot = {
      version: 1,
      mode,
      throughSeq: before.seq.toString(),
      dustMovesApplied: before.dustMoves,
      attempts: booking.attempts,
      ids,
      ledger,
      origins: booking.origins,
      recentClosedTrades: booking.recentClosedTrades,
      recentEntries: booking.recentEntries,
      takenAt: deps.clock.now(),
    };
    await deps.settings.set(LEDGER_SNAPSHOT_SETTING(mode), snapshot);
    saved.push(mode);
  }
  return saved;
}
