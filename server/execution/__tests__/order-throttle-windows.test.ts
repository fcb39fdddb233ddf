import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { RateLimiter, BINANCE_RATE_LIMITS } from "../../simulator/rate-limits";
import { BINANCE_SPOT_ORDER_LIMITS, OrderThrottle } from "../order-throttle";
import { VenueUsageGate, withVenuePriority } from "../venue-usage";

/**
 * Issue 14: the order gateway's throttle can never put more orders into one of the venue's
 * 10-second windows than the venue allows, wherever those windows start. A token bucket of 80 let
 * 160 through one window (80 at once, then 8 a second); the sliding window cannot.
 */

const T = Date.UTC(2026, 0, 5, 10, 0, 0);

/** Most orders in any interval of `windowMs` (a sliding scan over the accepted times). */
function busiestWindow(times: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe("order throttle against the venue's windows", () => {
  it.each([0, 1, 3_333, 9_950, 9_999])("a trader's orders every 25 ms for 30 s, starting %i ms into the venue's window, never exceed 80 in any 10 s", (offset) => {
    const clock = new ManualClock(T + offset);
    const throttle = new OrderThrottle(BINANCE_SPOT_ORDER_LIMITS, clock);
    const simulator = new RateLimiter({ ...BINANCE_RATE_LIMITS }, () => clock.now());
    const accepted: number[] = [];
    let refusedByVenue = 0;
    for (let t = 0; t < 30_000; t += 25) {
      clock.set(T + offset + t);
      if (!throttle.take().ok) continue;
      accepted.push(clock.now());
      if (!simulator.admit("127.0.0.1", 1, 1, "key").ok) refusedByVenue += 1;
    }
    expect(refusedByVenue).toBe(0);
    expect(simulator.refused).toEqual({ weight429: 0, orders429: 0, bans418: 0 });
    expect(busiestWindow(accepted, 10_000)).toBe(80);
    // The throttle still lets the trader use the limit: 80 per 10 s over 30 s.
    expect(accepted.length).toBeGreaterThanOrEqual(3 * 80 - 1);
  });

  it("a burst of 150 orders at once: 80 go, 70 are refused with when the next one is possible", () => {
    const clock = new ManualClock(T + 7_000);
    const throttle = new OrderThrottle(BINANCE_SPOT_ORDER_LIMITS, clock);
    const answers = Array.from({ length: 150 }, () => throttle.take());
    expect(answers.filter((a) => a.ok)).toHaveLength(80);
    const refused = answers.find((a) => !a.ok);
    expect(refused).toMatchObject({ ok: false, code: "ORDER_RATE_LIMITED" });
    expect(refused && !refused.ok && refused.retryInMs).toBeGreaterThan(9_000);
    expect(refused && !refused.ok && refused.message).toMatch(/80 orders per 10 s used \(the venue allows 100; 20% kept free\)/);
    clock.advance(10_200);
    expect(throttle.take().ok).toBe(true);
  });

  it("after a burst of entries the kill switch's closes still go out, and even they stay below the venue's 100", () => {
    const clock = new ManualClock(T + 1_000);
    const throttle = new OrderThrottle(BINANCE_SPOT_ORDER_LIMITS, clock);
    while (throttle.take().ok);
    expect(throttle.take().ok).toBe(false);
    const exits = Array.from({ length: 20 }, () => throttle.take({ priority: true }));
    expect(exits.filter((a) => a.ok)).toHaveLength(10);
    expect(throttle.used()[0]).toMatchObject({ used: 90, cap: 80, priorityCap: 90, limit: 100 });
  });

  it("a bad window is refused at construction with a clear error", () => {
    expect(() => new OrderThrottle({ windows: [{ limit: 0, windowMs: 10_000 }], headroomPct: 20 }, new ManualClock(T))).toThrow(/whole limit >= 1/);
    expect(() => new OrderThrottle({ windows: [], headroomPct: 20 }, new ManualClock(T))).toThrow(/at least one window/);
  });
});

describe("venue usage gate priority", () => {
  it("after a burst fills the 10-second order window, a kill-switch close does not wait for the next window", async () => {
    const clock = new ManualClock(T + 2_000);
    const slept: number[] = [];
    const gate = new VenueUsageGate({ clock, sleep: async (ms) => (slept.push(ms), clock.advance(ms)) });
    for (let i = 0; i < 90; i++) gate.settle(await gate.acquire(1, 1)); // answered
    await withVenuePriority(() => gate.acquire(1, 1));
    expect(slept).toEqual([]);
    // Priority uses half of the 10 % headroom: 95 of the venue's 100, then it waits like the rest.
    for (let i = 0; i < 4; i++) gate.settle(await withVenuePriority(() => gate.acquire(1, 1)));
    expect(slept).toEqual([]);
    await withVenuePriority(() => gate.acquire(1, 1));
    expect(slept).toHaveLength(1);
    expect(clock.now()).toBeGreaterThanOrEqual(T + 10_000);
  });

  it("priority never skips a 429's Retry-After", async () => {
    const clock = new ManualClock(T + 1_000);
    const gate = new VenueUsageGate({ clock, sleep: async (ms) => clock.advance(ms) });
    gate.observe(429, { "Retry-After": "5" });
    await withVenuePriority(() => gate.acquire(1, 1));
    expect(clock.now()).toBeGreaterThanOrEqual(T + 6_000);
  });
});
