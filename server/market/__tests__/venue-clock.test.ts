import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { startSimulator, type SimulatorHandle } from "../../simulator/server";
import { simulatorTimeSource, VenueClock } from "../venue-clock";

/**
 * A venue at `speed` whose answers take `up` ms to reach it and `down` ms to come back, on a
 * manual wall clock (the round trip advances it).
 */
function fakeVenue(o: { speed: number; offset: number; up: number; down: number }) {
  const wall = new ManualClock(1_000_000);
  const state = { ...o };
  let base = { wall: wall.now(), venue: wall.now() + o.offset };
  const venueNow = () => base.venue + (wall.now() - base.wall) * state.speed;
  const setSpeed = (speed: number) => {
    base = { wall: wall.now(), venue: venueNow() };
    state.speed = speed;
  };
  const fetchTime = async () => {
    wall.advance(state.up);
    const answer = { now: venueNow(), speed: state.speed };
    wall.advance(state.down);
    return answer;
  };
  const jump = (ms: number) => {
    base = { wall: wall.now(), venue: venueNow() + ms };
  };
  return { wall, venueNow, fetchTime, setSpeed, jump, state };
}

describe("following the venue's clock", () => {
  it("at SIM_SPEED=60 over a 40 ms round trip the bot's market time is within 1.2 s of the simulator's, where a one-shot reading lagged 1.2 s", async () => {
    const venue = fakeVenue({ speed: 60, offset: 5_000, up: 20, down: 20 });
    const clock = new VenueClock({ fetchTime: venue.fetchTime, wall: venue.wall, refreshMs: 0, samples: 3 });
    await clock.start();
    // The old way: the answer's time taken as "now" when it arrived.
    const oneShot = await venue.fetchTime();
    const arrivedAt = venue.wall.now();
    venue.wall.advance(500);
    const naive = oneShot.now + (venue.wall.now() - arrivedAt) * 60;
    expect(venue.venueNow() - naive).toBe(1_200);
    expect(Math.abs(venue.venueNow() - clock.now())).toBeLessThanOrEqual(1);
    expect(clock.speed).toBe(60);
    expect(clock.status()).toMatchObject({ rttMs: 40, uncertaintyMs: 1_200, syncs: 1 });
  });

  it("keeps the sample with the smallest round trip, so a slow answer does not skew the clock", async () => {
    const venue = fakeVenue({ speed: 1, offset: -1_500, up: 5, down: 5 });
    let call = 0;
    const clock = new VenueClock({
      wall: venue.wall,
      refreshMs: 0,
      samples: 3,
      fetchTime: async () => {
        call++;
        if (call === 2) {
          venue.state.up = 5;
          venue.state.down = 900; // a slow, asymmetric answer
        } else venue.state.down = 5;
        return venue.fetchTime();
      },
    });
    await clock.start();
    expect(Math.abs(venue.venueNow() - clock.now())).toBeLessThanOrEqual(1);
    expect(clock.status().offsetMs).toBe(-1_500);
  });

  it("reads a speed change at the next refresh and never runs backwards", async () => {
    const venue = fakeVenue({ speed: 60, offset: 0, up: 1, down: 1 });
    const clock = new VenueClock({ fetchTime: venue.fetchTime, wall: venue.wall, refreshMs: 0, samples: 1 });
    await clock.start();
    venue.wall.advance(1_000);
    venue.setSpeed(600);
    venue.wall.advance(1_000);
    const before = clock.now();
    await clock.sync();
    expect(clock.speed).toBe(600);
    expect(Math.abs(clock.now() - venue.venueNow())).toBeLessThanOrEqual(600);
    // A resync that estimates earlier (the venue's clock stepped back 10 s): the bot's clock holds.
    const held = clock.now();
    expect(held).toBeGreaterThanOrEqual(before);
    venue.jump(-10_000);
    await clock.sync();
    const readings: number[] = [];
    for (let i = 0; i < 5; i++) {
      venue.wall.advance(10);
      readings.push(clock.now());
    }
    expect(readings[0]).toBeGreaterThanOrEqual(held);
    expect(readings.every((r, i) => i === 0 || r >= readings[i - 1])).toBe(true);
    // Once the venue's time passes what was shown, the clock follows it again.
    venue.wall.advance(100);
    expect(clock.now()).toBe(Math.round(venue.venueNow()));
  });

  it("stream latency is real milliseconds and never negative, even with the local clock 1.5 s behind the venue", async () => {
    const venue = fakeVenue({ speed: 1, offset: 1_500, up: 2, down: 2 });
    const clock = new VenueClock({ fetchTime: venue.fetchTime, wall: venue.wall, refreshMs: 0 });
    await clock.start();
    const stamped = venue.venueNow();
    venue.wall.advance(30);
    expect(clock.latencyOf(stamped)).toBeCloseTo(30, 0);
    expect(venue.wall.now() - stamped).toBeLessThan(0); // what the System page showed before
    expect(clock.latencyOf(venue.venueNow() + 50)).toBe(0);
  });

  it("a sync that fails keeps the previous estimate and says why", async () => {
    const venue = fakeVenue({ speed: 1, offset: 0, up: 1, down: 1 });
    let fail = false;
    const clock = new VenueClock({
      wall: venue.wall,
      refreshMs: 0,
      samples: 2,
      fetchTime: async () => {
        if (fail) throw new Error("ECONNREFUSED");
        return venue.fetchTime();
      },
    });
    await clock.start();
    fail = true;
    await clock.sync();
    expect(clock.status()).toMatchObject({ syncs: 1, lastError: "ECONNREFUSED" });
    expect(Math.abs(clock.now() - venue.venueNow())).toBeLessThanOrEqual(1);
  });
});

describe("following a standalone simulator over HTTP", () => {
  let sim: SimulatorHandle | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it("reads the simulator's speed and time from /admin/clock: within a few market ms at 60×", async () => {
    sim = await startSimulator({ seed: 3, speed: 60, historyDays: 1, symbols: ["BTC/USDT"] });
    const clock = new VenueClock({ fetchTime: simulatorTimeSource(sim.restUrl), refreshMs: 0 });
    await clock.start();
    expect(clock.speed).toBe(60);
    const gap = clock.now() - sim.now();
    // Loopback: a round trip of a few ms is a few hundred market ms at 60×, never the seconds seen before.
    expect(Math.abs(gap)).toBeLessThan(Math.max(300, (clock.status().rttMs ?? 0) * 60));
    sim.setSpeed(120);
    await clock.sync();
    expect(clock.speed).toBe(120);
  });
});
