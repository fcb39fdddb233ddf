import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { Decimal } from "../../core/decimal";
import { floorQtyToStep, minQty } from "../../core/quantity";
import type { Instrument, OrderBook, OrderRequest } from "../../model/types";
import { BinanceError } from "../../simulator/binance-errors";
import { SimulatorCore } from "../../simulator/core";
import type { FeeMode } from "../../simulator/matching-engine";
import { PaperVenue } from "../paper-venue";
import { request } from "./fake-venue";

/**
 * Issue 12, "a position can always be closed": whatever pieces a long was bought in, the venue holds
 * exactly what the fills say (quantity minus any commission withheld in the base asset), so the exit
 * of min(position, free) floored to the step is always accepted and leaves less than one step.
 */

const SYMBOL = "ETH/USDT";
const NUM_RUNS = Number(process.env.PROPERTY_RUNS ?? 200);

/** Exact decimal oracle, independent of server/core/quantity.ts. */
const exactSum = (values: number[]) => values.reduce((s, v) => s.plus(v), new Decimal(0)).toNumber();
const exactUnits = (units: number, size: number) => new Decimal(units).times(size).toNumber();

const stepArb = fc
  .record({ decimals: fc.integer({ min: 0, max: 8 }), mantissa: fc.constantFrom(1, 2, 5) })
  .map(({ decimals, mantissa }) => (decimals === 0 ? 1 : new Decimal(mantissa).times(new Decimal(10).pow(-decimals)).toNumber()));
const tickArb = fc.integer({ min: 0, max: 6 }).map((d) => new Decimal(10).pow(-d).toNumber());
const feeRateArb = fc.integer({ min: 0, max: 200 }).map((r) => r / 100_000); // 0 .. 0.2 %

describe("paper venue: a long bought in any pieces can be closed in full", () => {
  const buyArb = fc.record({
    kind: fc.constantFrom("market" as const, "limit" as const, "ioc" as const),
    /** Book depths in lot steps: each piece is one level (market/IOC) or one book update (limit). */
    pieces: fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 5 }),
    /** Steps ordered beyond what the book shows (the rest expires or is cancelled). */
    extra: fc.integer({ min: 0, max: 50 }),
  });
  const scenarioArb = fc.record({
    step: stepArb,
    tick: tickArb,
    /** Where the price sits between one tick and a price at which the biggest buy costs about 100 000 USDT. */
    priceAt: fc.double({ min: 0, max: 1, noNaN: true }),
    maker: feeRateArb,
    taker: feeRateArb,
    feeAsset: fc.constantFrom("quote" as const, "received" as const),
    buys: fc.array(buyArb, { minLength: 1, maxLength: 6 }),
  });

  it("after any buys the free base balance is exactly the fills minus base fees, and the exit is accepted", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ step, tick, priceAt, maker, taker, feeAsset, buys }) => {
        const maxPrice = 100_000 / (2_050 * step);
        const priceTicks = Math.max(1, Math.floor((maxPrice * priceAt) / tick));
        const price = exactUnits(priceTicks, tick);
        const instrument: Instrument = { symbol: SYMBOL, base: "ETH", quote: "USDT", tickSize: tick, stepSize: step, minQty: step, maxQty: 0, minNotional: 0 };
        const clock = new ManualClock(1_000);
        const startingQuote = 10_000_000;
        const venue = new PaperVenue({ clock, fees: { maker, taker }, feeAsset, balances: { USDT: startingQuote }, instruments: [instrument], slippageBps: 0 });
        let n = 0;
        const order = (o: Partial<OrderRequest>) => request({ clientOrderId: `tk-prop-${++n}`, symbol: SYMBOL, ...o });
        const book = (asks: [number, number][], bids: [number, number][] = []): OrderBook => {
          clock.set(clock.now() + 1);
          return { symbol: SYMBOL, timestamp: clock.now(), asks: asks.map(([p, q]) => ({ price: p, quantity: q })), bids: bids.map(([p, q]) => ({ price: p, quantity: q })) };
        };
        const farAsk: [number, number] = [exactUnits(priceTicks + 1_000, tick), 1];
        venue.onTrade(SYMBOL, price, clock.now());

        for (const buy of buys) {
          const total = exactUnits(buy.pieces.reduce((s, p) => s + p, 0) + buy.extra, step);
          if (buy.kind === "limit") {
            venue.onBook(book([farAsk]));
            const placed = await venue.submit(order({ side: "buy", type: "limit", quantity: total, price }));
            for (const piece of buy.pieces) venue.onBook(book([[price, exactUnits(piece, step)], farAsk]));
            const now = await venue.fetchOrder(placed.clientOrderId, SYMBOL);
            if (now && now.status !== "filled") await venue.cancel(placed.clientOrderId, SYMBOL);
          } else {
            // Levels at price, price + tick, ...: a market order walks them; the rest beyond the book expires.
            venue.onBook(book(buy.pieces.map((piece, i) => [exactUnits(priceTicks + i, tick), exactUnits(piece, step)])));
            const limit = buy.kind === "ioc" ? exactUnits(priceTicks + buy.pieces.length - 1, tick) : undefined;
            const result = await venue.submit(order({ side: "buy", type: buy.kind === "ioc" ? "limit" : "market", timeInForce: buy.kind === "ioc" ? "IOC" : undefined, quantity: total, price: limit }));
            expect(result.errorCode).toBeUndefined();
          }
        }

        const fills = await venue.fetchFills(SYMBOL, 0);
        expect(fills.length).toBeGreaterThanOrEqual(buys.length);
        const position = exactSum(fills.map((f) => f.quantity));
        const baseFees = exactSum(fills.map((f) => f.baseFee ?? 0));
        const eth = venue.balanceList().find((b) => b.asset === "ETH")!;
        expect(eth.locked).toBe(0);
        expect(eth.free).toBe(new Decimal(position).minus(baseFees).toNumber());
        if (feeAsset === "quote") expect(fills.every((f) => f.baseFee === undefined)).toBe(true);
        else expect(fills.every((f) => f.baseFee === new Decimal(f.quantity).times(f.liquidity === "maker" ? maker : taker).toDecimalPlaces(8).toNumber())).toBe(true);
        // Quote balance: an exact 8-dp sum of what each fill cost.
        const quoteSpent = exactSum(
          fills.map((f) => new Decimal(f.quantity).times(f.price).toDecimalPlaces(8).plus(feeAsset === "quote" ? f.fee : 0).toNumber()),
        );
        const usdt = venue.balanceList().find((b) => b.asset === "USDT")!;
        expect(usdt).toMatchObject({ free: new Decimal(startingQuote).minus(quoteSpent).toNumber(), locked: 0 });

        const exitQuantity = floorQtyToStep(minQty(position, eth.free), step);
        if (exitQuantity > 0) {
          venue.onBook(book([farAsk], [[price, position * 2]]));
          const exit = await venue.submit(order({ side: "sell", type: "market", quantity: exitQuantity, intent: "exit", reduceOnly: true }));
          expect(exit.errorCode).toBeUndefined();
          expect(exit).toMatchObject({ status: "filled", filledQuantity: exitQuantity });
        }
        const left = venue.balanceList().find((b) => b.asset === "ETH")!;
        expect(left.locked).toBe(0);
        expect(left.free).toBeGreaterThanOrEqual(0);
        expect(left.free).toBeLessThan(step);
        if (feeAsset === "quote") expect(left.free).toBe(0);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe("simulator matching engine: a long bought in any pieces can be closed in full", () => {
  const START = Date.UTC(2025, 2, 3, 9, 30, 0);
  const scenarioArb = fc.record({
    qtyDecimals: fc.integer({ min: 0, max: 8 }),
    priceDecimals: fc.integer({ min: 0, max: 6 }),
    /** Start price in ticks, at least 1 000 ticks so the book has bids below it. */
    startTicks: fc.integer({ min: 1_000, max: 6_000_000 }),
    maker: feeRateArb,
    taker: feeRateArb,
    feeMode: fc.constantFrom<FeeMode>("quote", "received"),
    levels: fc.integer({ min: 3, max: 20 }),
    levelQuote: fc.integer({ min: 50, max: 5_000 }),
    /** Each buy spends about this many touch levels' worth, so it walks several levels. */
    buys: fc.array(fc.record({ levelsWorth: fc.double({ min: 0.2, max: 3, noNaN: true }), limit: fc.boolean() }), { minLength: 1, maxLength: 4 }),
  });

  it("after any market and IOC buys the free base is exactly the fills minus base commission, and every exit is accepted", () => {
    fc.assert(
      fc.property(scenarioArb, ({ qtyDecimals, priceDecimals, startTicks, maker, taker, feeMode, levels, levelQuote, buys }) => {
        const step = new Decimal(10).pow(-qtyDecimals).toNumber();
        const tick = new Decimal(10).pow(-priceDecimals).toNumber();
        const startPrice = Math.min(exactUnits(startTicks, tick), 60_000);
        const core = new SimulatorCore({
          seed: 5,
          historyDays: 0,
          startTime: START,
          manualClock: true,
          symbols: [SYMBOL],
          // The market lot cap (MARKET_LOT_SIZE) is lifted like maxQty: this property is about exact quantities.
          symbolSpecs: { [SYMBOL]: { startPrice, tickSize: tick, stepSize: step, minNotional: 1e-8, maxQty: 1e12, marketMaxQty: 1e12 } },
          feeRate: { maker, taker },
          feeMode,
          orderBook: { levels, levelQuote },
          accounts: [{ apiKey: "k", secret: "s", balances: { USDT: 1e12 } }],
        });
        const account = core.engine.account("k")!;
        const market = core.market("ETHUSDT")!;
        let n = 0;
        const place = (req: { side: "BUY" | "SELL"; type: string; quantity: number; price?: number; timeInForce?: string }) =>
          core.engine.placeOrder(account, { symbol: "ETHUSDT", ...req }, `p${++n}`);

        for (const buy of buys) {
          const ask = market.book.sides.asks[0]?.price ?? market.lastPrice;
          const steps = Math.max(1, Math.floor(((levelQuote * buy.levelsWorth) / ask) * 10 ** qtyDecimals));
          const quantity = new Decimal(steps).div(10 ** qtyDecimals).toNumber();
          if (buy.limit) {
            const limit = new Decimal(ask).times(1.002).toDecimalPlaces(priceDecimals, Decimal.ROUND_UP).toNumber();
            place({ side: "BUY", type: "LIMIT", timeInForce: "IOC", quantity, price: limit });
          } else {
            place({ side: "BUY", type: "MARKET", quantity });
          }
          core.advance(1_000);
        }

        const position = exactSum(account.fills.map((f) => f.qty));
        const baseCommission = exactSum(account.fills.map((f) => (f.commissionAsset === "ETH" ? f.commission : 0)));
        const eth = account.balance("ETH");
        expect(eth.locked).toBe(0);
        expect(eth.free).toBe(new Decimal(position).minus(baseCommission).toNumber());
        if (feeMode === "quote") expect(baseCommission).toBe(0);

        // Exit min(position, free) floored to the step, again after the book refills when it ran dry.
        for (let attempt = 0; attempt < 20; attempt++) {
          const sellable = floorQtyToStep(minQty(position, account.balance("ETH").free), step);
          if (!(sellable > 0)) break;
          try {
            place({ side: "SELL", type: "MARKET", quantity: sellable });
          } catch (err) {
            // Refused for size only (LOT_SIZE/NOTIONAL), never for funds.
            if (err instanceof BinanceError) expect(err.msg).not.toMatch(/insufficient balance/);
            else throw err;
            break;
          }
          core.advance(60_000);
        }
        const left = account.balance("ETH");
        expect(left.locked).toBe(0);
        expect(left.free).toBeGreaterThanOrEqual(0);
        expect(left.free).toBeLessThan(step);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
