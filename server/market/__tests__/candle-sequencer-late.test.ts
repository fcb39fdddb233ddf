import { describe, expect, it } from "vitest";
import type { Candle } from "../../model/types";
import { CandleSequencer } from "../candle-sequencer";
import type { InvalidDataReport, OHLCV } from "../types";

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 12, 0);

function row(openTime: number, close: number): OHLCV {
  return [openTime, 100, Math.max(100, close) + 1, Math.min(100, close) - 1, close, 2];
}
function candle(openTime: number, close: number): Candle {
  const [, open, high, low, c, volume] = row(openTime, close) as number[];
  return { symbol: "BTC/USDT", timeframe: "1m", openTime, open, high, low, close: c, volume, closed: true };
}

function harness(rest: Map<number, Candle>) {
  const delivered: Array<{ candle: Candle; source: string }> = [];
  const invalid: InvalidDataReport[] = [];
  const stale: InvalidDataReport[] = [];
  const sequencer = new CandleSequencer({
    symbol: "BTC/USDT",
    fetchClosedRange: async (from, until) => [...rest.values()].filter((c) => c.openTime >= from && c.openTime < until),
    deliver: (c, source) => delivered.push({ candle: c, source }),
    onForming: () => {},
    onSkipped: () => {},
    onInvalid: (r) => invalid.push(r),
    onStale: (r) => stale.push(r),
    onBackfill: () => {},
    onBackfillError: () => {},
    holePolicy: "fill-flat",
    backoff: { initialMs: 1, maxMs: 5, factor: 2 } as never,
    random: () => 0.5,
    restLagRetries: 0,
  });
  return { sequencer, delivered, invalid, stale };
}

describe("late candle updates on a fast simulator", () => {
  it("the final update of a minute the venue clock already closed is counted as late, not reported as invalid, and the minute arrives once with the venue's REST values", async () => {
    const rest = new Map([[T0, candle(T0, 105)]]);
    const { sequencer, delivered, invalid, stale } = harness(rest);
    sequencer.onSubscribed();
    sequencer.onStreamBatch([row(T0, 103)]); // forming 12:00
    // The event loop was busy: the venue clock passed 12:01 + grace before the stream's last 12:00 update was read.
    sequencer.closeBy(T0 + MIN);
    sequencer.onStreamBatch([row(T0, 105), row(T0 + MIN, 106)]); // the late final of 12:00, then 12:01 forming
    await sequencer.whenIdle();
    expect(delivered.map((d) => [d.candle.openTime, d.candle.close, d.source])).toEqual([[T0, 105, "backfill"]]);
    expect(invalid).toEqual([]);
    expect(stale).toEqual([expect.objectContaining({ reason: expect.stringMatching(/late update/) })]);
    expect(sequencer.stats).toMatchObject({ late: 1, duplicates: 0, invalid: 0, delivered: 1 });
  });

  it("a row re-sent after a reconnect for a delivered minute is a counted duplicate; a corrupt row is still invalid", async () => {
    const { sequencer, delivered, invalid, stale } = harness(new Map());
    sequencer.onSubscribed();
    sequencer.onStreamBatch([row(T0, 101)]);
    sequencer.onStreamBatch([row(T0, 102), row(T0 + MIN, 103)]); // 12:00 final, proven by the newer minute
    await sequencer.whenIdle();
    expect(delivered.map((d) => d.source)).toEqual(["stream"]);
    sequencer.onSubscribed();
    sequencer.onStreamBatch([row(T0, 102), row(T0 + MIN, 104)]); // ccxt's cache after the reconnect
    sequencer.onStreamBatch([[T0 + MIN, Number.NaN, 1, 1, 1, 1]]);
    expect(stale.map((r) => r.reason)).toEqual([expect.stringMatching(/duplicate of the already delivered/)]);
    expect(invalid).toHaveLength(1);
    expect(sequencer.stats).toMatchObject({ duplicates: 1, late: 0, invalid: 1 });
  });
});
