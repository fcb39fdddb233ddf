import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FeedBatcher, MAX_FEED_WAIT_MS, coalesceKey, frameScheduler, type FeedMessage } from "./feed-batcher";

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
    const batcher = new FeedBatcher((b) => batches.push(b), clock.schedule);
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
    const batcher = new FeedBatcher((b) => batches.push(b), clock.schedule);
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
    const batcher = new FeedBatcher((b) => batches.push(b), clock.schedule);
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
    const batcher = new FeedBatcher((b) => batches.push(b), clock.schedule);
    batcher.push("position", { id: "p1", quantity: 1 });
    batcher.push("position", { id: "p1", quantity: 0 });
    clock.run();
    expect(batches[0]).toEqual([{ event: "position", payload: { id: "p1", quantity: 0 } }]);
  });

  it("does nothing after dispose and flushes nothing when empty", () => {
    const clock = manualScheduler();
    const batches: FeedMessage[][] = [];
    const batcher = new FeedBatcher((b) => batches.push(b), clock.schedule);
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
  it("flushes at once, after the events that came before it, and cancels the pending frame", () => {
    const clock = manualScheduler();
    const batches: FeedMessage[][] = [];
    const batcher = new FeedBatcher((b) => batches.push(b), clock.schedule);
    batcher.push("status", { mode: "live" });
    expect(clock.scheduled).toBe(1);
    batcher.push("exit:alarm", { alarms: [{ id: "a" }] });
    expect(batches.map((b) => b.map((m) => m.event))).toEqual([["status", "exit:alarm"]]);
    expect(clock.scheduled).toBe(0);
    expect(batcher.pending).toBe(0);
    expect(coalesceKey("exit:alarm", { alarms: [] })).toBe("exit:alarm");
  });
});


/** Animation frames by hand: `frame()` runs the callbacks requested so far, as the browser does once per frame. */
function manualFrames() {
  const callbacks = new Map<number, FrameRequestCallback>();
  let next = 1;
  vi.stubGlobal("requestAnimationFrame", (cb: FrameRequestCallback) => {
    callbacks.set(next, cb);
    return next++;
  });
  vi.stubGlobal("cancelAnimationFrame", (id: number) => callbacks.delete(id));
  return {
    frame() {
      const due = [...callbacks.values()];
      callbacks.clear();
      for (const cb of due) cb(0);
    },
    get requested() {
      return callbacks.size;
    },
  };
}

describe("a batch is applied at the next animation frame", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("a burst between two frames is one batch, applied at the frame; the fallback timer then does nothing", () => {
    const frames = manualFrames();
    const batches: FeedMessage[][] = [];
    const batcher = new FeedBatcher((b) => batches.push(b), frameScheduler());
    for (let i = 0; i < 10; i++) batcher.push("ticker", { symbol: "BTC/USDT", last: 100 + i });
    batcher.push("signal", { id: "s1" });
    expect(frames.requested).toBe(1);
    expect(batches).toEqual([]);
    frames.frame();
    expect(batches).toEqual([
      [
        { event: "ticker", payload: { symbol: "BTC/USDT", last: 109 } },
        { event: "signal", payload: { id: "s1" } },
      ],
    ]);
    vi.advanceTimersByTime(MAX_FEED_WAIT_MS * 2);
    expect(batches).toHaveLength(1);
  });

  it("the next event after a flush waits for the next frame", () => {
    const frames = manualFrames();
    const batches: FeedMessage[][] = [];
    const batcher = new FeedBatcher((b) => batches.push(b), frameScheduler());
    batcher.push("status", { mode: "paper" });
    frames.frame();
    batcher.push("status", { mode: "live" });
    expect(batches).toHaveLength(1);
    frames.frame();
    expect(batches.map((b) => b.map((m) => m.payload))).toEqual([[{ mode: "paper" }], [{ mode: "live" }]]);
  });

  it("without animation frames (a hidden tab) the batch is applied after the longest wait", () => {
    manualFrames();
    const batches: FeedMessage[][] = [];
    const batcher = new FeedBatcher((b) => batches.push(b), frameScheduler());
    batcher.push("status", { mode: "paper" });
    vi.advanceTimersByTime(MAX_FEED_WAIT_MS - 1);
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(batches).toHaveLength(1);
  });

  it("outside a browser (no requestAnimationFrame) the timer alone applies it", () => {
    vi.stubGlobal("requestAnimationFrame", undefined);
    const batches: FeedMessage[][] = [];
    const batcher = new FeedBatcher((b) => batches.push(b), frameScheduler());
    batcher.push("status", { mode: "paper" });
    vi.advanceTimersByTime(MAX_FEED_WAIT_MS);
    expect(batches).toHaveLength(1);
  });

  it("dispose cancels the frame and the timer", () => {
    const frames = manualFrames();
    const batches: FeedMessage[][] = [];
    const batcher = new FeedBatcher((b) => batches.push(b), frameScheduler());
    batcher.push("status", { mode: "paper" });
    batcher.dispose();
    expect(frames.requested).toBe(0);
    frames.frame();
    vi.advanceTimersByTime(MAX_FEED_WAIT_MS);
    expect(batches).toEqual([]);
  });
});
