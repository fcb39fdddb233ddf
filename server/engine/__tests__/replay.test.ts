import { describe, expect, it } from "vitest";
import type { Fill, Instrument, KernelMode, Order } from "../../model/types";
import { Ledger, sequentialLedgerIds, type DustMove, type DustMoveStore } from "../../portfolio";
import { moveToDustDurably, replayFills, sweepDust, type ReplayEntry } from "../replay";

const T0 = Date.UTC(2024, 0, 1);
const silent = { error() {}, warn() {}, info() {}, debug() {}, child() { return silent; } } as never;

function order(clientOrderId: string, side: Order["side"], intent: Order["intent"], quantity: number, extra: Partial<Order> = {}): Order {
  return {
    clientOrderId,
    symbol: "BTC/USDT",
    side,
    type: "market",
    quantity,
    intent,
    reduceOnly: intent === "exit",
    reason: `${intent} ${clientOrderId}`,
    createdAt: T0,
    mode: "paper",
    status: "filled",
    filledQuantity: quantity,
    avgFillPrice: 0,
    fee: 0,
    updatedAt: T0,
    strategyInstanceId: "ema",
    ...extra,
  };
}

function fillOf(o: Order, n: number, quantity: number, price: number, fee: number, baseFee?: number): Fill {
  const f: Fill = { clientOrderId: o.clientOrderId, venueTradeId: `T${n}`, symbol: o.symbol, side: o.side, price, quantity, fee, liquidity: "taker", timestamp: T0 + n * 1_000 };
  if (baseFee !== undefined) f.baseFee = baseFee;
  return f;
}

/** A DustMoveStore that keeps the moves by the fill they follow (null = the latest fill). */
class MemoryDustStore implements DustMoveStore {
  readonly moves: Array<{ mode: KernelMode; move: DustMove; afterFill?: { clientOrderId: string; venueTradeId: string } }> = [];
  async recordDust(mode: KernelMode, move: DustMove, afterFill?: { clientOrderId: string; venueTradeId: string }): Promise<void> {
    this.moves.push({ mode, move, afterFill });
  }
  /** The replay entries the database would give back: each move with its fill (or the latest one). */
  entries(stored: Array<{ fill: Fill; order: Order }>): ReplayEntry[] {
    const entries: ReplayEntry[] = stored.map((e) => ({ ...e, dustMoves: [] as DustMove[] }));
    for (const { move, afterFill } of this.moves) {
      const at = afterFill ? entries.findIndex((e) => e.fill.clientOrderId === afterFill.clientOrderId && e.fill.venueTradeId === afterFill.venueTradeId) : entries.length - 1;
      (entries[at].dustMoves as DustMove[]).push(move);
    }
    return entries;
  }
}

const newLedger = () => new Ledger({ mode: "paper", startingCash: 10_000, ids: sequentialLedgerIds("paper-") });
const BTC: Instrument = { symbol: "BTC/USDT", base: "BTC", quote: "USDT", tickSize: 0.01, stepSize: 0.00001, minQty: 0.00001, maxQty: 9_000, minNotional: 5 };

describe("replayFills: base fees and dust moves", () => {
  it("a restart rebuilds the ledger of a base-fee buy, an exit that left dust, the move and a fresh position, with the same ids", async () => {
    const live = newLedger();
    const store = new MemoryDustStore();
    const stored: Array<{ fill: Fill; order: Order }> = [];
    const book = (o: Order, f: Fill) => {
      stored.push({ fill: f, order: o });
      return live.applyFill(f, { strategyInstanceId: o.strategyInstanceId, reason: o.reason, exitReason: o.exitReason });
    };
    const entry = order("e1", "buy", "entry", 0.001, { signalId: "sig-1" });
    book(entry, fillOf(entry, 1, 0.0006, 50_000, 0.03, 0.0000006));
    book(entry, fillOf(entry, 2, 0.0004, 50_000, 0.02, 0.0000004));
    const exit = order("x1", "sell", "exit", 0.00099, { exitReason: "take_profit" });
    const exitFill = fillOf(exit, 3, 0.00099, 51_000, 0.05049);
    const out = book(exit, exitFill);
    expect(out.position!.quantity).toBe(0.000009);
    const moved = await moveToDustDurably({ ledger: live, store, mode: "paper", positionId: out.position!.id, at: T0 + 3_500, reason: "below the lot step", afterFill: exitFill });
    expect(moved.closedTrade).toMatchObject({ quantity: 0.00099, exitReason: "take_profit" });
    expect(store.moves).toEqual([
      { mode: "paper", move: { positionId: out.position!.id, symbol: "BTC/USDT", strategyInstanceId: "ema", at: T0 + 3_500, reason: "below the lot step" }, afterFill: exitFill },
    ]);
    const again = order("e2", "buy", "entry", 0.001);
    const fresh = book(again, fillOf(again, 4, 0.001, 52_000, 0.052, 0.000001));
    expect(fresh.opened).toBe(true);

    const restarted = newLedger();
    const result = replayFills(restarted, store.entries(stored), silent);
    expect(result).toMatchObject({ fills: 4, refused: 0, dustMoves: 1 });
    expect(restarted.toJSON()).toEqual(live.toJSON());
    expect(restarted.dust()).toEqual([{ asset: "BTC", symbol: "BTC/USDT", quantity: 0.000009, costBasis: 0.45 }]);
    expect(restarted.getPosition("BTC/USDT", "ema")).toMatchObject({ id: fresh.position!.id, quantity: 0.000999 });
    expect(result.trades).toEqual([{ ...moved.closedTrade, signalId: "sig-1", entryOrderId: "e1", exitOrderId: undefined }]);
    expect(result.recentClosedTrades).toHaveLength(1);
    expect([...result.origins.keys()]).toEqual([fresh.position!.id]);
  });

  it("without the dust move the remainder would stay open and the next buy would add to it", () => {
    const entry = order("e1", "buy", "entry", 0.001);
    const exit = order("x1", "sell", "exit", 0.00099);
    const again = order("e2", "buy", "entry", 0.001);
    const stored = [
      { fill: fillOf(entry, 1, 0.001, 50_000, 0.05, 0.000001), order: entry },
      { fill: fillOf(exit, 2, 0.00099, 51_000, 0.05049), order: exit },
      { fill: fillOf(again, 3, 0.001, 52_000, 0.052, 0.000001), order: again },
    ];
    const plain = newLedger();
    replayFills(plain, stored, silent);
    expect(plain.getPosition("BTC/USDT", "ema")!.quantity).toBe(0.001008);
    const withMove = newLedger();
    const entries: ReplayEntry[] = stored.map((e, i) => (i === 1 ? { ...e, dustMoves: [{ positionId: "other-id", symbol: "BTC/USDT", strategyInstanceId: "ema", at: T0 + 2_500 }] } : e));
    const result = replayFills(withMove, entries, silent);
    // A different stored id (e.g. ids from another run) falls back to symbol + strategy.
    expect(result.dustMoves).toBe(1);
    expect(withMove.getPosition("BTC/USDT", "ema")!.quantity).toBe(0.000999);
    expect(withMove.dust()[0].quantity).toBe(0.000009);
  });

  it("a dust move that finds no open position is counted as refused and the rest replays", () => {
    const entry = order("e1", "buy", "entry", 1);
    const ledger = newLedger();
    const result = replayFills(ledger, [{ fill: fillOf(entry, 1, 0.001, 50_000, 0.05), order: entry, dustMoves: [{ positionId: "p", symbol: "ETH/USDT", at: T0 }] }], silent);
    expect(result).toMatchObject({ fills: 1, refused: 1, dustMoves: 0 });
    expect(ledger.openPositionCount).toBe(1);
  });

  it("sweepDust moves every long that can never be sold and records each move with the latest fill", async () => {
    const ledger = newLedger();
    const store = new MemoryDustStore();
    const entry = order("e1", "buy", "entry", 0.001);
    ledger.applyFill(fillOf(entry, 1, 0.00005, 50_000, 0), { strategyInstanceId: "a" }); // 2.5 USDT < 5 min notional
    ledger.applyFill(fillOf(entry, 2, 0.001, 50_000, 0), { strategyInstanceId: "b" }); // sellable
    const results = await sweepDust({ ledger, store, mode: "paper", instruments: new Map([["BTC/USDT", BTC]]), at: T0 + 10_000 });
    expect(results).toHaveLength(1);
    expect(store.moves).toEqual([{ mode: "paper", move: expect.objectContaining({ symbol: "BTC/USDT", strategyInstanceId: "a", at: T0 + 10_000 }), afterFill: undefined }]);
    expect(ledger.openPositionCount).toBe(1);
    expect(ledger.dust()).toEqual([{ asset: "BTC", symbol: "BTC/USDT", quantity: 0.00005, costBasis: 2.5 }]);
  });
});
