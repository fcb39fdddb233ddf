import type { ManualClock } from "../../core/clock";
import type { EventBus } from "../../core/event-bus";
import type { Logger } from "../../core/logger";
import type { RiskLimits } from "../../config/risk-limits";
import { InMemoryOrderStore, type ExecutionVenue } from "../../execution";
import type { Instrument, KernelMode } from "../../model/types";
import { Ledger } from "../../portfolio";
import { InMemoryRiskStateStore } from "../../risk";
import { TradingAccount } from "../account";
import type { EngineEvents } from "../events";

/** A started account of 10 000 USDT on in-memory stores, on a manual clock (engine unit tests). */
export async function startTestAccount(deps: {
  mode: KernelMode;
  venue: ExecutionVenue;
  clock: ManualClock;
  bus: EventBus<EngineEvents>;
  logger: Logger;
  limits: RiskLimits;
  instruments: Map<string, Instrument>;
}): Promise<TradingAccount> {
  const { mode, clock } = deps;
  const account = await TradingAccount.create({
    mode,
    venue: deps.venue,
    orderStore: new InMemoryOrderStore(),
    riskStore: new InMemoryRiskStateStore(),
    ledger: new Ledger({ mode, startingCash: 10_000, quoteCurrency: "USDT" }),
    clock,
    wallClock: clock,
    limits: deps.limits,
    bus: deps.bus,
    logger: deps.logger,
    instruments: deps.instruments,
    fees: { maker: 0.001, taker: 0.001 },
    sleep: async (ms) => clock.advance(ms),
  });
  await account.start();
  return account;
}
