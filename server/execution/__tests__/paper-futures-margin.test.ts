import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { createLogger } from "../../core/logger";
import { perpContracts } from "../../composition/futures";
import type { Instrument, OrderRequest } from "../../model/types";
import { TERMINAL_ORDER_STATUSES } from "../../model/types";
import type { ExecutionVenue, VenueOrderUpdate } from "../types";
import { createLocalVenue } from "../venue-factory";
import { request } from "./fake-venue";

/**
 * A paper account on futures (TRADING_MARKET=futures, risk.maxLeverage 3, 10,000 USDT), its venue
 * built as composition/accounts.ts builds it: createLocalVenue with the account's perp contracts
 * (perpContracts: leverage = risk.maxLeverage, Binance's BTCUSDT brackets). Perp orders are checked
 * against margin as Binance USDⓈ-M checks them, not against spot cash and coins.
 * Prices: BTC at 50,000, no book: a market order fills 5 bps away (paper slippage); taker fee 0.05 %.
 */
const SYMBOL = "BTC/USDT:USDT";
const FEES = { maker: 0.0002, taker: 0.0005 };
const logger = createLogger("silent");
const instrument: Instrument = { symbol: SYMBOL, base: "BTC", quote: "USDT", tickSize: 0.1, stepSize: 0.001, minQty: 0.001, maxQty: 1_000, minNotional: 5, marketType: "perp" };
const instruments = new Map([[SYMBOL, instrument]]);
let seq = 0;
const venues: ExecutionVenue[] = [];

afterEach(async () => {
  for (const v of venues.splice(0)) await v.stop();
});

async function paperFuturesAccount(maxLeverage = 3) {
  const clock = new ManualClock(1_700_000_000_000);
  const contracts = await perpContracts({ exchange: { has: {} }, instruments, limits: { maxLeverage }, logger });
  const venue = createLocalVenue(
    "paper",
    { clock, logger, fees: FEES, instruments, exchange: {} as never, venue: { id: "binanceusdm", simulated: true, testnet: false }, symbols: [SYMBOL], allowShorting: true, perpContracts: contracts },
    { USDT: 10_000 },
  );
  venues.push(venue);
  const price = (p: number) => venue.onMarket({ type: "trade", symbol: SYMBOL, price: p, timestamp: clock.now() });
  price(50_000);
  return { venue, price };
}

/** Submit and wait for the order's final state (paper latency: it arrives 50 ms later). */
async function place(venue: ExecutionVenue, overrides: Partial<OrderRequest>): Promise<VenueOrderUpdate> {
  const req = request({ clientOrderId: `tk-fut-${++seq}`, symbol: SYMBOL, type: "market", ...overrides });
  const final = new Promise<VenueOrderUpdate>((resolve) => {
    const off = venue.onUpdate((u) => {
      if (u.clientOrderId === req.clientOrderId && (TERMINAL_ORDER_STATUSES as readonly string[]).includes(u.status)) {
        off();
        resolve(u);
      }
    });
  });
  await venue.submit(req);
  return final;
}

const held = async (venue: ExecutionVenue, asset: string) => {
  const b = (await venue.fetchBalances()).find((x) => x.asset === asset);
  return b ? b.free + b.locked : 0;
};

describe("paper venue on USDⓈ-M futures: margin, not spot balances", () => {
  it("a 3x long of ~25,000 notional fills on 10,000 USDT: margin, open loss and fee fit", async () => {
    const { venue } = await paperFuturesAccount(3);
    const long = await place(venue, { side: "buy", quantity: 0.5 });
    expect(long.status, long.reason).toBe("filled");
    expect(long.avgFillPrice).toBeCloseTo(50_025, 6);
    expect(long.fee).toBeCloseTo(12.50625, 8);
    // Booked like the ledger books a perp: quote by the notional and fee, the base as the position.
    expect(await held(venue, "USDT")).toBeCloseTo(10_000 - 25_012.5 - 12.50625, 6);
    expect(await held(venue, "BTC")).toBe(0.5);
  });

  it("a long of ~35,000 is refused with Binance's margin-insufficient reason, and nothing is booked", async () => {
    const { venue } = await paperFuturesAccount(3);
    const big = await place(venue, { side: "buy", quantity: 0.7 });
    expect(big.status).toBe("rejected");
    expect(big.errorCode).toBe("INSUFFICIENT_FUNDS");
    expect(big.reason).toMatch(/Margin is insufficient\. \(-2019\)/);
    expect(big.reason).toMatch(/at 3×/);
    expect(big.filledQuantity).toBe(0);
    expect(big.fills).toEqual([]);
    expect(await venue.fetchBalances()).toEqual([{ asset: "USDT", free: 10_000, locked: 0 }]);
  });

  it("uses the contract's leverage: at 2x the same ~25,000 long is refused", async () => {
    const { venue } = await paperFuturesAccount(2);
    const long = await place(venue, { side: "buy", quantity: 0.5 });
    expect(long.status).toBe("rejected");
    expect(long.reason).toMatch(/-2019.*at 2×/);
  });

  it("the open position's margin counts: a second long beyond what is left available is refused", async () => {
    const { venue } = await paperFuturesAccount(3);
    expect((await place(venue, { side: "buy", quantity: 0.5 })).status).toBe("filled");
    // available ≈ 10,000 − 25.01 loss on entry − 8,333.33 margin ≈ 1,641: a 10,000 notional long needs ≈ 3,340.
    const more = await place(venue, { side: "buy", quantity: 0.2 });
    expect(more.status).toBe("rejected");
    expect(more.reason).toMatch(/-2019/);
    expect(await held(venue, "BTC")).toBe(0.5);
    // A smaller one still fits.
    expect((await place(venue, { side: "buy", quantity: 0.05 })).status).toBe("filled");
  });

  it("a short opens without holding any base asset", async () => {
    const { venue } = await paperFuturesAccount(3);
    const short = await place(venue, { side: "sell", quantity: 0.5 });
    expect(short.status, short.reason).toBe("filled");
    expect(short.avgFillPrice).toBeCloseTo(49_975, 6);
    expect(await held(venue, "BTC")).toBe(-0.5);
    expect(await held(venue, "USDT")).toBeCloseTo(10_000 + 24_987.5 - 12.49375, 6);
  });

  it("a reduce-only order that would flip or increase the position is refused (-2022); one that closes it books P&L and fees", async () => {
    const { venue, price } = await paperFuturesAccount(3);
    const flat = await place(venue, { side: "sell", quantity: 0.1, intent: "exit", reduceOnly: true });
    expect(flat.status).toBe("rejected");
    expect(flat.reason).toMatch(/ReduceOnly Order is rejected\. \(-2022\)/);

    expect((await place(venue, { side: "buy", quantity: 0.5 })).status).toBe("filled");
    const flip = await place(venue, { side: "sell", quantity: 0.8, intent: "exit", reduceOnly: true });
    expect(flip.status).toBe("rejected");
    expect(flip.errorCode).toBe("INVALID_ORDER");
    expect(flip.reason).toMatch(/-2022.*flip/);
    const increase = await place(venue, { side: "buy", quantity: 0.1, intent: "exit", reduceOnly: true });
    expect(increase.status).toBe("rejected");
    expect(increase.reason).toMatch(/-2022.*increase/);
    expect(await held(venue, "BTC")).toBe(0.5);

    price(52_000);
    const close = await place(venue, { side: "sell", quantity: 0.5, intent: "exit", reduceOnly: true });
    expect(close.status, close.reason).toBe("filled");
    expect(close.avgFillPrice).toBeCloseTo(51_974, 6);
    expect(close.fee).toBeCloseTo(12.9935, 8);
    // 0.5 × (51,974 − 50,025) = 974.5 gross, minus 12.50625 + 12.9935 of fees.
    expect(await held(venue, "USDT")).toBeCloseTo(10_000 + 974.5 - 12.50625 - 12.9935, 6);
    expect(await held(venue, "BTC")).toBe(0);
  });

  it("a resting limit that opens exposure locks its margin, released when cancelled", async () => {
    const { venue } = await paperFuturesAccount(3);
    const clientOrderId = `tk-fut-${++seq}`;
    await venue.submit(request({ clientOrderId, symbol: SYMBOL, side: "buy", type: "limit", price: 49_000, quantity: 0.5, timeInForce: "GTC" }));
    await expect.poll(async () => (await venue.fetchBalances()).find((b) => b.asset === "USDT")?.locked).toBeCloseTo(24_500 / 3 + 24_500 * 0.0005, 6);
    await venue.cancel(clientOrderId, SYMBOL);
    expect(await venue.fetchBalances()).toEqual([{ asset: "USDT", free: 10_000, locked: 0 }]);
  });
});
