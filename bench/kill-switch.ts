import type { Exchange } from "ccxt";
import { permissiveEntryLimits } from "../tests/engine/fixtures/live-rules";
import { SIMULATOR_SYMBOLS } from "../server/config";
import { DEFAULT_RISK_LIMITS, riskLimitsSchema } from "../server/config";
import { systemClock } from "../server/core/clock";
import { EventBus } from "../server/core/event-bus";
import { SequentialIds } from "../server/core/ids";
import { createLogger } from "../server/core/logger";
import { TradingAccount } from "../server/engine/account";
import type { EngineEvents } from "../server/engine/events";
import { TradingKernel } from "../server/engine/kernel";
import { feeScheduleFromCcxt, InMemoryOrderStore, LiveVenue } from "../server/execution";
import { createExchange } from "../server/market";
import { instrumentFromMarket } from "../server/market/instruments";
import type { Instrument } from "../server/model/types";
import { Ledger, sequentialLedgerIds } from "../server/portfolio";
import { InMemoryRiskStateStore } from "../server/risk";
import { startSimulator } from "../server/simulator";
import { BENCH_LIMITS, percentile } from "./data";

/**
 * The kill switch from request to venue-confirmed flat, live mode on the built-in simulator at speed 1
 * over loopback: 10 positions and 20 resting orders over 10 symbols, then the kill switch; the time
 * is the kill switch's own (its start to the venue's listing that confirms no open order and no
 * position). Each run builds the book again (not timed) at the start of a fresh 10-second order
 * window (30 set-up orders + 10 closes stay inside Binance's 100 per 10 s); the kill switch is reset
 * between runs. The simulator runs in this process, so its work is on the same cores as the bot's.
 */

export interface KillSwitchBenchResult {
  name: string;
  runs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Median time of each phase. */
  phasesP50Ms: Record<string, number>;
  detail: string;
}

const logger = createLogger("silent");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function killSwitchLatency(options: { runs: number }): Promise<KillSwitchBenchResult> {
  const symbols = [...SIMULATOR_SYMBOLS];
  const sim = await startSimulator({ port: 0, historyDays: 0, speed: 1, symbols, seed: 9, accounts: [{ apiKey: "bench-ks", secret: "bench-ks-secret", balances: { USDT: 1_000_000 } }] });
  let exchange: Exchange | undefined;
  let account: TradingAccount | undefined;
  const durations: number[] = [];
  const phases: Record<string, number[]> = {};
  try {
    exchange = await createExchange({ id: "simulator" }, { simulator: { restUrl: sim.restUrl, wsUrl: sim.wsUrl, wsApiUrl: sim.wsApiUrl, defaultAccount: sim.defaultAccount } });
    await exchange.loadMarkets();
    const instruments = new Map<string, Instrument>(symbols.map((s) => [s, instrumentFromMarket(s, exchange!.markets![s])]));
    const venue = new LiveVenue({ exchange, symbols, clock: systemClock, id: "simulator", simulated: true, logger });
    const bus = new EventBus<EngineEvents>();
    const limits = riskLimitsSchema.parse({
      ...DEFAULT_RISK_LIMITS,
      ...BENCH_LIMITS,
      // Every entry check runs but none gets in the way; the live rulebook is opened up so the benchmark
      // measures the kill switch, not the rules, whatever the hour (no entries 22-01 UTC by default).
      ...permissiveEntryLimits(symbols, { maxOpenPositions: 40, maxOpenPositionsPerSymbol: 10, maxTradesPerDay: 100_000 }),
    });
    const ids = new SequentialIds(`bench-ks-${Date.now().toString(36)}-`);
    account = await TradingAccount.create({
      mode: "live",
      venue,
      orderStore: new InMemoryOrderStore(),
      riskStore: new InMemoryRiskStateStore(),
      ledger: new Ledger({ mode: "live", startingCash: 1_000_000, quoteCurrency: "USDT", ids: sequentialLedgerIds("bench-ks-") }),
      clock: systemClock,
      limits,
      bus,
      logger,
      instruments,
      fees: feeScheduleFromCcxt(exchange, symbols[0]),
      newClientOrderId: () => ids.next(),
    });
    await account.start();
    const kernel = new TradingKernel({ mode: "live", clock: systemClock, bus, logger, accounts: [account], limits, instruments });
    for (let run = 0; run < options.runs; run++) {
      // Set-up: wait for a fresh 10-second order window, then 10 positions and 20 resting orders.
      await sleep(10_050 - (Date.now() % 10_000));
      const feedPrices = () => {
        for (const symbol of symbols) kernel.onPrice(symbol, sim.lastPrice(symbol), Date.now());
      };
      feedPrices();
      for (const symbol of symbols) {
        const result = await kernel.placeManualOrder({ symbol, side: "buy", type: "market", quantity: 150 / sim.lastPrice(symbol), actor: "bench" });
        if (!result.decision.allowed) throw new Error(`set-up buy ${symbol}: ${result.decision.message}`);
      }
      for (let i = 0; i < 20; i++) {
        const symbol = symbols[i % symbols.length];
        const price = sim.lastPrice(symbol) * 0.6;
        const result = await kernel.placeManualOrder({ symbol, side: "buy", type: "limit", price, quantity: 12 / price, actor: "bench" });
        if (!result.decision.allowed) throw new Error(`set-up limit ${symbol}: ${result.decision.message}`);
      }
      await kernel.idle();
      const deadline = Date.now() + 20_000;
      while (account.ledger.positions().length < symbols.length || (await venue.fetchOpenOrders()).length < 20) {
        if (Date.now() > deadline) throw new Error("the set-up positions and orders did not all show");
        await sleep(20);
      }
      feedPrices();
      const status = await kernel.killSwitch("flatten", "bench");
      const own = status.accounts.live;
      if (!status.flatConfirmed) throw new Error(`kill switch run ${run + 1} did not confirm flat: ${JSON.stringify(status.remaining)}`);
      durations.push(own?.durationMs ?? status.durationMs ?? Number.NaN);
      for (const [phase, ms] of Object.entries(own?.phaseDurationsMs ?? {})) (phases[phase] ??= []).push(ms as number);
      await kernel.resetKillSwitch("bench");
    }
  } finally {
    await account?.stop().catch(() => {});
    await (exchange as unknown as { close?: () => Promise<void> })?.close?.().catch(() => {});
    await sim.close();
  }
  const sorted = [...durations].sort((a, b) => a - b);
  const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 0.5);
  return {
    name: "kill switch: request → venue-confirmed flat (live on the simulator, 10 positions + 20 orders over 10 symbols)",
    runs: durations.length,
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    maxMs: sorted[sorted.length - 1],
    phasesP50Ms: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, median(v)])),
    detail: "LiveVenue over ccxt binance against the built-in simulator at speed 1 (loopback, Binance's rate limits on)",
  };
}
