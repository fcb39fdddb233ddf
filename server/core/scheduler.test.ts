import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock";
import { repeatEvery, schedulerOf, TimerScheduler } from "./scheduler";

describe("timers on the injected clock", () => {
  it("a ManualClock runs the tasks that fall due as it advances, in time order, at their own time", () => {
    const clock = new ManualClock(1000);
    const seen: [string, number][] = [];
    clock.schedule(1500, () => seen.push(["b", clock.now()]));
    clock.schedule(1200, () => seen.push(["a", clock.now()]));
    const cancelled = clock.schedule(1300, () => seen.push(["x", clock.now()]));
    cancelled.cancel();
    clock.advance(400);
    expect(seen).toEqual([["a", 1200]]);
    expect(clock.now()).toBe(1400);
    clock.set(2000);
    expect(seen).toEqual([["a", 1200], ["b", 1500]]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("repeatEvery fires on a fixed grid on a ManualClock, every beat passed, until cancelled", () => {
    const clock = new ManualClock(0);
    const at: number[] = [];
    const task = repeatEvery(schedulerOf(clock), clock, 1000, () => at.push(clock.now()));
    clock.advance(999);
    expect(at).toEqual([]);
    clock.advance(2500);
    expect(at).toEqual([1000, 2000, 3000]);
    task.cancel();
    clock.advance(5000);
    expect(at).toEqual([1000, 2000, 3000]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("schedulerOf gives real timers for a clock without its own", () => {
    expect(schedulerOf({ now: () => 0 })).toBeInstanceOf(TimerScheduler);
    const clock = new ManualClock(0);
    expect(schedulerOf(clock)).toBe(clock);
  });
});
