import { describe, expect, it } from "vitest";
import { FeedBatcher, coalesceKey, type FeedMessage } from "./feed-batcher";

function manualScheduler() {
  const pending: (() => void)[] = [];
  return {
    schedule: (fn: () => void) => {
      pending.push(fn);
      return () => {
        const i = pending.indexOf(fn);
        if (i >= 0) pending.splice(i, 1);
      };
    },
    run: () => pending.splice(0).forEach((fn) => fn()),
    get scheduled() {
      return pending.length;
    },
  };
}

describe("a burst of feed events becomes one update", () => {
  it("keeps only the latest forming candle per bar and the latest book per symbol", () => {
    const clock = manualScheduler();
    const batches: FeedMessage[][] = [];
    const batcher = new FeedBatcher((b) => batches.push(b), 250, clock.schedule);
    for (let i = 0; i < 100; i++) {
      batcher.push("candle", { symbol: "BTC/USDT", timeframe: "1m", candle: { time: 60_000, close: 100 + i } });
      batcher.push("orderbook", { symbol: "BTC/USDT", bids: [[i, 1]], asks: [] });
    }
    expect(clock.scheduled).toBe(1);
    clock.run();
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(2);
    expect((batches[0]![0]!.payload as { candle: { close: number } }).candle.close).toBe(199);
  });

  it("keeps the close of the previous bar and the first update of the next one, in order", () => {
    const clock = manualScheduler();
    const batches: FeedMessage[][] = [];
    const batcher = new FeedBatcher((b) => batches.push(b), 250, clock.schedule);
    batcher.push("candle", { symbol: "BTC/USDT", timeframe: "1m", candle: { time: 0, closed: false } });
    batcher.push("candle", { symbol: "BTC/USDT", timeframe: "1m", candle: { time: 60_000, closed: false } });
    batcher.push("candle", { symbol: "BTC/USDT", timeframe: "1m", candle: { time: 0, closed: true } });
    clock.run();
    const times = batches[0]!.map((m) => (m.payload as { candle: { time: number; closed: boolean } }).candle);
    expect(times).toEqual([{ time: 0, closed: true }, { time: 60_000, closed: false }]);
  });

  it("never drops signals, fills or risk events", () => {
    const clock = manualScheduler();
    const batches: FeedMessage[][] = [];
    const batcher = new FeedBatcher((b) => batches.push(b), 250, clock.schedule);
    batcher.push("signal", { id: "s1" });
    batcher.push("signal", { id: "s2" });
    batcher.push("fill", { clientOrderId: "o1", price: 1, quantity: 1 });
    batcher.push("fill", { clientOrderId: "o1", price: 1, quantity: 1 });
    batcher.push("risk:event", { id: "r1" });
    clock.run();
    expect(batches[0]!.map((m) => m.event)).toEqual(["signal", "signal", "fill", "fill", "risk:event"]);
  });

  it("a position that opens and closes in one batch ends closed", () => {
    const clock = manualScheduler();
    const batches: FeedMessage[][] = [];
    const batcher = new FeedBatcher((b) => batches.push(b), 250, clock.schedule);
    batcher.push("position", { id: "p1", quantity: 1 });
    batcher.push("position", { id: "p1", quantity: 0 });
    clock.run();
    expect(batches[0]).toEqual([{ event: "position", payload: { id: "p1", quantity: 0 } }]);
  });

  it("does nothing after dispose and flushes nothing when empty", () => {
    const clock = manualScheduler();
    const batches: FeedMessage[][] = [];
    const batcher = new FeedBatcher((b) => batches.push(b), 250, clock.schedule);
    batcher.flush();
    batcher.push("status", { mode: "paper" });
    batcher.dispose();
    batcher.push("status", { mode: "live" });
    clock.run();
    expect(batches).toEqual([]);
    expect(batcher.pending).toBe(0);
  });

  it("messages without an identity are not coalesced", () => {
    expect(coalesceKey("position", { quantity: 1 })).toBeNull();
    expect(coalesceKey("candle", null)).toBeNull();
    expect(coalesceKey("status", {})).toBe("status");
  });
});

describe("an exit alarm does not wait for the batch", () => {
  it("flushes at once, after the events that came before it, and cancels the pending timer", () => {
    const clock = manualScheduler();
    const batches: FeedMessage[][] = [];
    const batcher = new FeedBatcher((b) => batches.push(b), 250, clock.schedule);
    batcher.push("status", { mode: "live" });
    expect(clock.scheduled).toBe(1);
    batcher.push("exit:alarm", { alarms: [{ id: "a" }] });
    expect(batches.map((b) => b.map((m) => m.event))).toEqual([["status", "exit:alarm"]]);
    expect(clock.scheduled).toBe(0);
    expect(batcher.pending).toBe(0);
    expect(coalesceKey("exit:alarm", { alarms: [] })).toBe("exit:alarm");
  });
});
