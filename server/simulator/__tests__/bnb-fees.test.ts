import { describe, expect, it } from "vitest";
import { SimulatorCore } from "../core";

/** Issue 14: the BNB fee mode, a setting: commission 25 % off, paid in BNB while the account holds enough. */

const START = Date.UTC(2025, 2, 3, 9, 30, 0);

function setup(bnb: number) {
  const core = new SimulatorCore({
    seed: 4,
    historyDays: 0,
    startTime: START,
    manualClock: true,
    symbols: ["BTC/USDT", "BNB/USDT"],
    feeMode: "bnb",
    accounts: [{ apiKey: "a", secret: "s", balances: { USDT: 100_000, BNB: bnb } }],
  });
  core.advance(60_000);
  return { core, account: core.engine.account("a")! };
}

describe("fees paid in BNB", () => {
  it("a buy credits the full quantity and pays 0.075 % of its value in BNB", () => {
    const { core, account } = setup(10);
    const order = core.engine.placeOrder(account, { symbol: "BTCUSDT", side: "BUY", type: "MARKET", quantity: 0.1 }, "b1");
    expect(order.fills.every((f) => f.commissionAsset === "BNB")).toBe(true);
    expect(account.balance("BTC").free).toBe(0.1);
    const paid = order.fills.reduce((s, f) => s + f.commission, 0);
    const expected = (order.cumQuote * 0.001 * 0.75) / core.market("BNBUSDT")!.lastPrice;
    expect(paid).toBeCloseTo(expected, 7);
    expect(account.balance("BNB").free).toBeCloseTo(10 - paid, 8);
  });

  it("without enough BNB the commission comes out of the asset received, as without BNB", () => {
    const { core, account } = setup(0);
    const order = core.engine.placeOrder(account, { symbol: "BTCUSDT", side: "BUY", type: "MARKET", quantity: 0.1 }, "b2");
    expect(order.fills.every((f) => f.commissionAsset === "BTC")).toBe(true);
    expect(account.balance("BTC").free).toBeCloseTo(0.0999, 8);
  });
});
