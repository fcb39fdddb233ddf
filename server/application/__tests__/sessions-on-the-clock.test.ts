import { describe, expect, it, vi } from "vitest";
import { ManualClock } from "../../core/clock";
import type { EngineRuntime } from "../../engine/runtime";
import { SessionManager } from "../sessions";

/**
 * The session rules run on the engine's injected clock, not on setInterval: a ManualClock (a backtest's,
 * a test's) advancing past a session's end is what makes the rule check end it.
 */
function fixture(endsAt: number, clock: ManualClock) {
  const row = { id: "s1", mode: "paper", config: {}, startedAt: clock.now(), endsAt };
  const realizedPnl = vi.fn(async () => 0);
  const engine = {
    clock,
    bus: { on: () => () => {} },
    fees: { maker: 0.001, taker: 0.001 },
    logger: { info() {}, warn() {}, error() {}, debug() {} },
    kernel: { accounts: new Map([["paper", { risk: { setSessionRules() {}, clearSessionRules() {} }, ledger: { positions: () => [] } }]]) },
  } as unknown as EngineRuntime;
  const repos = {
    sessions: { running: async () => [row], realizedPnl },
    strategies: {},
    trades: {},
  } as unknown as ConstructorParameters<typeof SessionManager>[1];
  return { manager: new SessionManager(engine, repos), realizedPnl };
}

describe("session rules on the injected clock", () => {
  it("a ManualClock advancing fires the rule check, which ends the session when its time is up", async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const { manager, realizedPnl } = fixture(clock.now() + 5_000, clock);
    const end = vi.spyOn(manager, "end").mockResolvedValue(undefined as never);
    await manager.start();
    try {
      expect(realizedPnl).not.toHaveBeenCalled();
      clock.advance(3_000); // three checks, the session still has 2 s to run
      await vi.waitFor(() => expect(realizedPnl).toHaveBeenCalledTimes(3));
      expect(end).not.toHaveBeenCalled();
      clock.advance(2_000); // at its end time
      await vi.waitFor(() => expect(end).toHaveBeenCalledWith("s1", "time", "session rules"));
    } finally {
      manager.stop();
    }
    expect(clock.pendingTimers).toBe(0);
  });

  it("nothing is checked after stop()", async () => {
    const clock = new ManualClock(0);
    const { manager, realizedPnl } = fixture(60_000, clock);
    await manager.start();
    manager.stop();
    clock.advance(10_000);
    await new Promise((r) => setImmediate(r));
    expect(realizedPnl).not.toHaveBeenCalled();
  });
});
