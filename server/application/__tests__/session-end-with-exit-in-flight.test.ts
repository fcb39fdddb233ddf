import { describe, expect, it, vi } from "vitest";
import { ManualClock } from "../../core/clock";
import type { EngineRuntime } from "../../engine/runtime";
import { SessionManager } from "../sessions";

/**
 * A session ends while the exit its strategy sent a moment before is still on its way (paper latency, a
 * fill the venue has not reported yet). The session's own close would be refused as EXIT_ALREADY_WORKING
 * for as long as that exit works; seen on a busy machine as a session that ended with a position left open.
 * The end waits for the working exit, and cancels a resting limit exit, before it closes.
 */
interface FakeOrder {
  clientOrderId: string;
  symbol: string;
  sessionId: string;
  intent: "entry" | "exit";
  type: "market" | "limit";
}

function fixture(options: { workingExit: FakeOrder; exitFillsAfterMs?: number }) {
  const clock = new ManualClock(1_700_000_000_000);
  const position = { id: "p1", symbol: "BTC/USDT", side: "long", quantity: 0.01, strategyInstanceId: "ses_s1", sessionId: "s1", markPrice: 50_000, unrealizedPnl: 0, realizedPnl: 0 };
  let positions = [position];
  let orders: FakeOrder[] = [options.workingExit];
  const finishExit = () => {
    orders = orders.filter((o) => o.clientOrderId !== options.workingExit.clientOrderId);
    positions = [];
  };
  if (options.exitFillsAfterMs !== undefined) setTimeout(finishExit, options.exitFillsAfterMs);
  const closePosition = vi.fn(async () => {
    // As the risk engine does: no second exit while one is working on the position.
    if (orders.some((o) => o.intent === "exit")) return { decision: { allowed: false, code: "EXIT_ALREADY_WORKING", message: "an exit of 0.01 is already working" } };
    positions = [];
    return { decision: { allowed: true, code: "EXIT_REDUCES_POSITION", message: "closed" } };
  });
  const cancelOrder = vi.fn(async (id: string) => {
    orders = orders.filter((o) => o.clientOrderId !== id);
  });
  const leftOpen: string[] = [];
  const account = {
    idle: async () => {},
    openOrders: () => orders,
    cancelOrder,
    closePosition,
    ledger: { positions: () => positions },
    reportLeftOpen: (describe: (p: typeof position) => string | undefined) => {
      for (const p of positions) {
        const text = describe(p);
        if (text) leftOpen.push(text);
      }
    },
    risk: { setSessionRules() {}, clearSessionRules() {} },
  };
  const engine = {
    clock,
    bus: { on: () => () => {} },
    fees: { maker: 0.001, taker: 0.001 },
    logger: { info() {}, warn() {}, error() {}, debug() {} },
    kernel: { accounts: new Map([["paper", account]]), setStrategyPaused() {}, idle: async () => {} },
    persistence: { flush: async () => {} },
    strategies: { stop() {} },
  } as unknown as EngineRuntime;
  const row: Record<string, unknown> = { id: "s1", mode: "paper", status: "running", config: {}, startedAt: clock.now(), endsAt: clock.now() + 60_000, endedAt: null, endReason: null, report: null };
  const ended: { report: { summary: { openPositionsLeft: number } } }[] = [];
  const repos = {
    sessions: {
      running: async () => [row],
      realizedPnl: async () => 0,
      get: async () => row,
      end: async (_id: string, data: { endedAt: number; endReason: string; report: { summary: { openPositionsLeft: number } } }) => {
        ended.push(data);
        Object.assign(row, { status: "ended", endedAt: data.endedAt, endReason: data.endReason, report: data.report });
      },
    },
    strategies: { setStatus: async () => {} },
    trades: { ofSession: async () => [] },
  } as unknown as ConstructorParameters<typeof SessionManager>[1];
  return { manager: new SessionManager(engine, repos), closePosition, cancelOrder, ended, leftOpen };
}

describe("a session's end with its strategy's exit already working", () => {
  it("waits for the market exit on its way instead of being refused three times and leaving the position open", async () => {
    const { manager, closePosition, ended, leftOpen } = fixture({
      workingExit: { clientOrderId: "x1", symbol: "BTC/USDT", sessionId: "s1", intent: "exit", type: "market" },
      exitFillsAfterMs: 300,
    });
    await manager.start();
    try {
      await manager.end("s1", "time", "test");
    } finally {
      manager.stop();
    }
    expect(ended[0]!.report.summary.openPositionsLeft).toBe(0);
    expect(leftOpen).toEqual([]);
    // The strategy's exit closed it: no second sell was asked for.
    expect(closePosition).not.toHaveBeenCalled();
  });

  it("cancels a resting limit exit (it may never fill) and closes at the market", async () => {
    const { manager, closePosition, cancelOrder, ended } = fixture({
      workingExit: { clientOrderId: "x2", symbol: "BTC/USDT", sessionId: "s1", intent: "exit", type: "limit" },
    });
    await manager.start();
    try {
      await manager.end("s1", "time", "test");
    } finally {
      manager.stop();
    }
    expect(cancelOrder).toHaveBeenCalledWith("x2");
    expect(closePosition).toHaveBeenCalledTimes(1);
    expect(ended[0]!.report.summary.openPositionsLeft).toBe(0);
  });
});
