import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { classifyOrderOutcome, classifyVenueFailure, VenueError } from "../../execution/errors";
import { startEngine, T0 } from "./fixtures";

/** A simulated market at SIM_SPEED=60: one real second is a market minute. */
function clocks() {
  const market = new ManualClock(T0);
  const wall = new ManualClock(1_000_000);
  const tick = (wallMs: number) => {
    wall.advance(wallMs);
    market.advance(wallMs * 60);
  };
  return { market, wall, tick };
}

describe("venue-error breaker runs on wall-clock time", () => {
  it("11 rejects in 80 real seconds at SIM_SPEED=60 halt trading (5 in 300 s of real time)", async () => {
    const { market, wall, tick } = clocks();
    const { engine, sink } = await startEngine({}, { clock: market, wallClock: wall });
    let haltedAfter = 0;
    for (let i = 1; i <= 11; i++) {
      engine.recordVenueError({ kind: "rejection", code: "REJECTED", message: "REJECTED: venue refused", at: market.now() });
      if (engine.state === "HALTED" && haltedAfter === 0) haltedAfter = i;
      tick(8_000);
    }
    expect(engine.state).toBe("HALTED");
    expect(haltedAfter).toBe(5);
    const breaker = sink.events.find((e) => e.kind === "breaker" && e.code === "VENUE_ERRORS");
    expect(breaker?.message).toContain("real time");
    // The event carries the market time at which it happened.
    expect(breaker?.timestamp).toBeGreaterThan(T0);
  });

  it("five faults spread over more than 300 real seconds do not halt, however fast the market runs", async () => {
    const { market, wall, tick } = clocks();
    const { engine } = await startEngine({}, { clock: market, wallClock: wall });
    for (let i = 0; i < 10; i++) {
      engine.recordVenueError({ kind: "server", message: "503", at: market.now() });
      tick(76_000);
    }
    expect(engine.state).toBe("ACTIVE");
  });

  it("the usage bar counts faults of the last window of real time, not market time", async () => {
    const { market, wall, tick } = clocks();
    const { engine } = await startEngine({}, { clock: market, wallClock: wall });
    engine.recordVenueError({ kind: "transport", message: "ETIMEDOUT" });
    engine.recordVenueError({ kind: "transport", message: "ETIMEDOUT" });
    tick(200_000); // 200 real s, 3 h 20 of market time
    expect(engine.getStatus().venueErrorsInWindow).toBe(2);
    tick(101_000);
    expect(engine.getStatus().venueErrorsInWindow).toBe(0);
  });

  it("an outcome is never counted", async () => {
    const { engine } = await startEngine();
    for (let i = 0; i < 20; i++) engine.recordVenueError({ kind: "outcome", message: "venue status expired" });
    expect(engine.state).toBe("ACTIVE");
    expect(engine.getStatus().venueErrorsInWindow).toBe(0);
  });
});

describe("what counts as a venue error", () => {
  it("an IOC that filled partly and expired, a FOK that expired and a market order out of book are outcomes", () => {
    expect(classifyOrderOutcome({ status: "expired", error: "venue status expired" })).toBeNull();
    expect(classifyOrderOutcome({ status: "expired", error: "venue status expired: EXPIRED_IN_MATCH" })).toBeNull();
    expect(classifyOrderOutcome({ status: "cancelled", error: "venue status canceled" })).toBeNull();
    expect(classifyOrderOutcome({ status: "filled" })).toBeNull();
    expect(classifyOrderOutcome({ status: "submitted" })).toBeNull();
  });

  it("any expired or cancelled order is an outcome whatever its text", () => {
    fc.assert(
      fc.property(fc.constantFrom("expired", "cancelled", "filled", "partially_filled"), fc.string(), (status, error) => {
        const prefixed = classifyOrderOutcome({ status, error });
        return prefixed === null || prefixed.kind === "transport"; // only an unknown state is a fault
      }),
    );
  });

  it("rejections by their code: 5xx is server, a rate limit after retries is a ban, a refused order is a rejection", () => {
    expect(classifyOrderOutcome({ status: "rejected", error: "VENUE_UNAVAILABLE: submit x: 503" })?.kind).toBe("server");
    expect(classifyOrderOutcome({ status: "rejected", error: "RATE_LIMITED: submit x: 429" })?.kind).toBe("rate_limit");
    expect(classifyOrderOutcome({ status: "rejected", error: "INSUFFICIENT_FUNDS: submit x: balance" })?.kind).toBe("rejection");
    expect(classifyOrderOutcome({ status: "rejected", error: "venue status rejected" })?.kind).toBe("rejection");
    expect(classifyOrderOutcome({ status: "rejected" })?.kind).toBe("rejection");
    expect(classifyOrderOutcome({ status: "new", error: "ORDER_STATE_UNKNOWN: no answer; reconciliation will settle it" })?.kind).toBe("transport");
    // The price went through the trigger before the order arrived: the market, not a fault.
    expect(classifyOrderOutcome({ status: "rejected", error: "WOULD_TRIGGER_IMMEDIATELY: stop already traded" })).toBeNull();
  });

  it("thrown venue calls: timeouts and network are transport, 5xx server, 429 rate limit", () => {
    expect(classifyVenueFailure(new VenueError("TIMEOUT", "t"))?.kind).toBe("transport");
    expect(classifyVenueFailure(new VenueError("NETWORK", "n"))?.kind).toBe("transport");
    expect(classifyVenueFailure(new VenueError("VENUE_UNAVAILABLE", "503"))?.kind).toBe("server");
    expect(classifyVenueFailure(new VenueError("RATE_LIMITED", "429"))?.kind).toBe("rate_limit");
    expect(classifyVenueFailure(new Error("something odd"))?.kind).toBe("rejection");
  });
});
