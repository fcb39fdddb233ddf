import { ManualClock } from "../core/clock";
import { EventBus } from "../core/event-bus";
import { SequentialIds } from "../core/ids";
import { createLogger, type Logger } from "../core/logger";
import type { RiskLimits } from "../config/risk-limits";
import { TradingAccount, type AccountFutures, type EngineEvents, TradingKernel } from "../engine";
import { InMemoryOrderStore, PaperVenue, type FeeSchedule } from "../execution";
import type { Instrument, Timeframe } from "../model/types";
import { Ledger, sequentialLedgerIds, type ExitRulesInput } from "../portfolio";
import { InMemoryRiskStateStore } from "../risk";

/**
 * The live engine, composed for a backtest: the same kernel, account, order manager, ledger and risk
 * engine as server/engine/runtime.ts, with a ManualClock the run sets to each candle's close time, a
 * PaperVenue without scheduler (market events drive it, no timers), in-memory stores and sequential
 * ids, so one config always gives the same orders, fills and trades.
 *
 * Futures (market "futures"): the account gets the perpetuals' contracts and the funding rate source
 * (AccountFutures), so it books funding on the backtest clock exactly as a paper futures account does
 * (TradingAccount.bookFundingDue: a ledger cash flow per position at each funding time) and runs the
 * perp risk checks. The paper venue is then only the fill model: its balances are spot balances that
 * know nothing of margin, funding or liquidation, so they are not enforced; the ledger and the risk
 * engine are the account (as with paper futures, where the ledger books a perp like a spot pair).
 */
export interface BacktestEngine {
  clock: ManualClock;
  bus: EventBus<EngineEvents>;
  kernel: TradingKernel;
  account: TradingAccount;
  ledger: Ledger;
  venue: PaperVenue;
  orderStore: InMemoryOrderStore;
}

export interface ComposeOptions {
  instruments: ReadonlyMap<string, Instrument>;
  startingBalance: number;
  quoteCurrency: string;
  fees: FeeSchedule;
  slippageBps: number;
  limits: RiskLimits;
  exitRules?: ExitRulesInput;
  baseTimeframe: Timeframe;
  allowShort: boolean;
  startTime: number;
  logger?: Logger;
  /** Futures runs: the perpetuals the account trades and the funding rate source (absent: spot). */
  futures?: AccountFutures;
  /** Listener errors are programming errors in a backtest: surface them. */
  onListenerError?: (event: string, err: unknown) => void;
}

const instantSleep = () => Promise.resolve();

export async function composeBacktestEngine(options: ComposeOptions): Promise<BacktestEngine> {
  const logger = options.logger ?? createLogger("silent");
  const clock = new ManualClock(options.startTime);
  const bus = new EventBus<EngineEvents>(options.onListenerError);
  const venue = new PaperVenue({
    clock,
    id: "backtest",
    kind: "paper",
    fees: options.fees,
    slippageBps: options.slippageBps,
    latencyMs: 0,
    balances: { [options.quoteCurrency]: options.startingBalance },
    allowShorting: options.allowShort,
    ...(options.futures ? { enforceBalances: false } : {}),
    instruments: options.instruments.values(),
    logger,
    idPrefix: "bt",
  });
  const ledger = new Ledger({
    mode: "backtest",
    startingCash: options.startingBalance,
    quoteCurrency: options.quoteCurrency,
    allowShort: options.allowShort,
    exitRules: options.exitRules,
    ids: sequentialLedgerIds("bt-"),
  });
  const orderStore = new InMemoryOrderStore();
  const orderIds = new SequentialIds("bt-o-");
  const eventIds = new SequentialIds("bt-e-");
  const account = await TradingAccount.create({
    mode: "backtest",
    venue,
    orderStore,
    riskStore: new InMemoryRiskStateStore(),
    ledger,
    clock,
    limits: options.limits,
    bus,
    logger,
    instruments: options.instruments,
    fees: options.fees,
    newClientOrderId: () => orderIds.next(),
    newEventId: () => eventIds.next(),
    sleep: instantSleep,
    simulateExitAtTrigger: true,
    ...(options.futures ? { futures: options.futures } : {}),
  });
  await account.start();
  const kernel = new TradingKernel({
    mode: "backtest",
    clock,
    bus,
    logger,
    accounts: [account],
    limits: options.limits,
    instruments: options.instruments,
    baseTimeframe: options.baseTimeframe,
    allowShort: options.allowShort,
  });
  return { clock, bus, kernel, account, ledger, venue, orderStore };
}
