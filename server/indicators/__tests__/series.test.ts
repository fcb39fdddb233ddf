import { describe, expect, it } from "vitest";
import { bollinger, ema, macd, rsi, sma } from "../index";

describe("chart series over the engine indicators", () => {
  it("SMA is null until the window fills, then the window mean", () => {
    expect(sma([1, 2, 3, 4, 5], 3)).toEqual([null, null, 2, 3, 4]);
  });
  it("EMA starts from the SMA seed and weights recent prices", () => {
    const out = ema([1, 2, 3, 4, 5], 3);
    expect(out.slice(0, 2)).toEqual([null, null]);
    expect(out[2]).toBeCloseTo(2);
    expect(out[3]).toBeCloseTo(3); // 4*0.5 + 2*0.5
    expect(out[4]).toBeCloseTo(4);
    expect(ema([1, 2], 3)).toEqual([null, null]);
  });
  it("Bollinger bands collapse on a flat price and widen with volatility", () => {
    const flat = bollinger([5, 5, 5, 5], 3, 2);
    expect(flat.upper[3]).toBe(5);
    expect(flat.lower[3]).toBe(5);
    const moving = bollinger([1, 3, 1, 3], 2, 2);
    expect(moving.middle[3]).toBe(2);
    expect(moving.upper[3]).toBeCloseTo(4);
    expect(moving.lower[3]).toBeCloseTo(0);
  });
  it("RSI is 100 in a straight rally, 0 in a straight fall, 50 on a flat line", () => {
    const up = Array.from({ length: 20 }, (_, i) => 100 + i);
    const down = up.slice().reverse();
    expect(rsi(up, 14)[19]).toBe(100);
    expect(rsi(down, 14)[19]).toBe(0);
    expect(rsi(new Array(20).fill(7), 14)[19]).toBe(50);
    expect(rsi(up, 14)[13]).toBeNull();
  });
  it("RSI matches Wilder's smoothing on a mixed series", () => {
    // gains/losses: +1, -1, +2 (period 2): seed avgGain 0.5, avgLoss 0.5 → 50; then gain (0.5+2)/2=1.25, loss 0.25 → 83.33
    const out = rsi([10, 11, 10, 12], 2);
    expect(out[2]).toBeCloseTo(50);
    expect(out[3]).toBeCloseTo(83.333, 2);
  });
  it("MACD is zero on a flat line and its histogram is line minus signal", () => {
    const flat = macd(new Array(60).fill(10));
    expect(flat.macd[59]).toBeCloseTo(0);
    expect(flat.histogram[59]).toBeCloseTo(0);
    const trend = macd(Array.from({ length: 60 }, (_, i) => 100 + i * i * 0.01));
    expect(trend.macd[24]).toBeNull();
    expect(trend.macd[25]).not.toBeNull();
    expect(trend.signal[32]).toBeNull();
    expect(trend.signal[33]).not.toBeNull();
    expect(trend.histogram[59]).toBeCloseTo(trend.macd[59]! - trend.signal[59]!);
    expect(trend.macd[59]!).toBeGreaterThan(0);
  });
});
