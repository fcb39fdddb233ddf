import { QueryClient, QueryObserver } from "@tanstack/react-query";
import { describe, expect, it, vi } from "vitest";
import { applyFeedBatch } from "./feed-apply";
import { qk } from "./query-keys";
import type { CandlesResponse, ExitAlarmDto, PositionDto, RiskEventDto, StatusDto } from "./types";

function client() {
  return new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
}

const status: StatusDto = {
  mode: "paper", venue: { id: "sim", label: "SIMULATED", simulated: true, testnet: false }, tradingState: "ACTIVE",
  tradingStateReason: null, equity: 1000, cash: 1000, realizedPnl: 0, unrealizedPnl: 0, todayPnl: 0, change24hPct: 0,
  quoteCurrency: "USDT", feed: { state: "live", lastMessageAgeMs: 10 }, reconciliation: null, liveArmed: false, startedAt: 0,
};

describe("feed events update the one copy of server state", () => {
  it("a halt from the risk engine shows in the header state at once", () => {
    const qc = client();
    qc.setQueryData(qk.status, status);
    applyFeedBatch(qc, [{ event: "trading-state", payload: { tradingState: "HALTED", reason: "daily loss limit reached" } }]);
    expect(qc.getQueryData<StatusDto>(qk.status)).toMatchObject({ tradingState: "HALTED", tradingStateReason: "daily loss limit reached" });
  });

  it("a closed candle reaches every chart of that symbol and timeframe, and no other", () => {
    const qc = client();
    const empty = (timeframe: "1m" | "5m"): CandlesResponse => ({ symbol: "BTC/USDT", timeframe, simulated: true, candles: [] });
    qc.setQueryData(qk.candles("BTC/USDT", "1m", 500), empty("1m"));
    qc.setQueryData(qk.candles("BTC/USDT", "1m", 200), empty("1m"));
    qc.setQueryData(qk.candles("BTC/USDT", "5m", 500), empty("5m"));
    const candle = { time: 60_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 3, closed: true };
    applyFeedBatch(qc, [{ event: "candle", payload: { symbol: "BTC/USDT", timeframe: "1m", candle } }]);
    expect(qc.getQueryData<CandlesResponse>(qk.candles("BTC/USDT", "1m", 500))!.candles).toEqual([candle]);
    expect(qc.getQueryData<CandlesResponse>(qk.candles("BTC/USDT", "1m", 200))!.candles).toEqual([candle]);
    expect(qc.getQueryData<CandlesResponse>(qk.candles("BTC/USDT", "5m", 500))!.candles).toEqual([]);
  });

  it("a position closed in paper mode leaves the paper list; the live list is untouched", () => {
    const qc = client();
    const p = { id: "p1", mode: "paper", symbol: "BTC/USDT", quantity: 1 } as PositionDto;
    qc.setQueryData(qk.positions("paper"), [p]);
    qc.setQueryData(qk.positions("live"), []);
    applyFeedBatch(qc, [{ event: "position", payload: { ...p, quantity: 0 } }]);
    expect(qc.getQueryData(qk.positions("paper"))).toEqual([]);
    expect(qc.getQueryData(qk.positions("live"))).toEqual([]);
  });

  it("a position opened while the positions list is being read (the refetch after the order, sent before the fill) stays on screen when that stale read answers", async () => {
    const qc = client();
    const p = { id: "p1", mode: "paper", symbol: "BTC/USDT", quantity: 0.00157 } as PositionDto;
    qc.setQueryData(qk.positions("paper"), []);
    let answerStaleRead!: (list: PositionDto[]) => void;
    const staleRead = qc.fetchQuery({ queryKey: qk.positions("paper"), queryFn: () => new Promise<PositionDto[]>((resolve) => (answerStaleRead = resolve)), staleTime: 0 });
    applyFeedBatch(qc, [{ event: "position", payload: p }]);
    answerStaleRead([]);
    await staleRead.catch(() => {});
    await new Promise((r) => setTimeout(r, 0));
    expect(qc.getQueryData(qk.positions("paper"))).toEqual([p]);
  });

  it("a burst of order events while the orders list is on screen and slow to answer makes at most two more reads, not one per event", async () => {
    const qc = client();
    const key = qk.orders("paper", "all", 100);
    let reads = 0;
    const pendingReads: Array<() => void> = [];
    const observer = new QueryObserver(qc, {
      queryKey: key,
      staleTime: 0,
      queryFn: () => {
        reads += 1;
        return new Promise<unknown[]>((resolve) => pendingReads.push(() => resolve([])));
      },
    });
    const unsubscribe = observer.subscribe(() => {});
    await vi.waitFor(() => expect(reads).toBe(1));
    for (let i = 0; i < 50; i++) {
      applyFeedBatch(qc, [{ event: "order", payload: { id: `o${i}`, clientOrderId: `c${i}`, mode: "paper", symbol: "BTC/USDT", side: "buy", type: "market", status: "filled", quantity: 1, filledQuantity: 1, createdAt: i, updatedAt: i } }]);
      await new Promise((r) => setTimeout(r, 0));
    }
    for (let round = 0; round < 5; round++) {
      for (const answer of pendingReads.splice(0)) answer();
      await new Promise((r) => setTimeout(r, 5));
    }
    unsubscribe();
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(reads).toBeLessThanOrEqual(3);
  });

  it("a risk event is prepended to the unfiltered log and to the log of its kind only", () => {
    const qc = client();
    qc.setQueryData(qk.riskEvents(100, ""), []);
    qc.setQueryData(qk.riskEvents(100, "denial"), []);
    qc.setQueryData(qk.riskEvents(100, "warning"), []);
    const ev: RiskEventDto = { id: "r1", timestamp: 1, kind: "denial", code: "MAX_OPEN_POSITIONS", severity: "warn", message: "3 of 3 open", data: null };
    applyFeedBatch(qc, [{ event: "risk:event", payload: ev }]);
    expect(qc.getQueryData(qk.riskEvents(100, ""))).toEqual([ev]);
    expect(qc.getQueryData(qk.riskEvents(100, "denial"))).toEqual([ev]);
    expect(qc.getQueryData(qk.riskEvents(100, "warning"))).toEqual([]);
  });

  it("malformed messages are reported and change nothing", () => {
    const qc = client();
    qc.setQueryData(qk.status, status);
    const report = applyFeedBatch(qc, [
      { event: "status", payload: { mode: 3 } },
      { event: "candle", payload: { symbol: "BTC/USDT", timeframe: "1m", candle: { time: 0, open: Number.NaN } } },
      { event: "kill-switch", payload: "flat" },
    ]);
    expect(report.applied).toBe(0);
    expect(report.rejected.map((r) => r.event)).toEqual(["status", "candle", "kill-switch"]);
    expect(qc.getQueryData(qk.status)).toBe(status);
  });

  it("a mode switch made elsewhere refetches everything on screen", () => {
    const qc = client();
    qc.setQueryData(qk.status, status);
    qc.setQueryData(qk.positions("paper"), []);
    applyFeedBatch(qc, [{ event: "mode", payload: { mode: "ghost", previous: "paper" } }]);
    expect(qc.getQueryState(qk.status)!.isInvalidated).toBe(true);
    expect(qc.getQueryState(qk.positions("paper"))!.isInvalidated).toBe(true);
  });

  it("kill-switch progress replaces the cached status", () => {
    const qc = client();
    const progress = { phase: "closing", action: "flatten", ordersCancelled: 2, positionsClosed: 1, flatConfirmed: false, remaining: { orders: [], positions: ["p2"] }, errors: [] };
    applyFeedBatch(qc, [{ event: "kill-switch", payload: progress }]);
    expect(qc.getQueryData(qk.killSwitch)).toEqual({ status: progress });
  });

  describe("exit alarms", () => {
    const alarm = (id: string, patch: Partial<ExitAlarmDto> = {}): ExitAlarmDto => ({
      id, mode: "live", positionId: `pos-${id}`, symbol: "ETH/USDT", side: "long", quantity: 0.0513, closableQuantity: 0.0512,
      code: "EXIT_REJECTED", reason: "INSUFFICIENT_FUNDS: needs 0.0513 ETH, 0.0512 free", attempts: 1, since: 1_000, updatedAt: 1_000, ...patch,
    });

    it("the exit:alarm event replaces the cached list", () => {
      const qc = client();
      qc.setQueryData(qk.exitAlarms, [alarm("a"), alarm("b")]);
      const next = [alarm("b", { attempts: 2, updatedAt: 2_000 }), alarm("c", { code: "STOP_PASSED_OPEN" })];
      applyFeedBatch(qc, [{ event: "exit:alarm", payload: { alarms: next } }]);
      expect(qc.getQueryData(qk.exitAlarms)).toEqual(next);
    });

    it("an empty list clears every alarm, and a list arrives even before the REST list has loaded", () => {
      const qc = client();
      applyFeedBatch(qc, [{ event: "exit:alarm", payload: { alarms: [alarm("a")] } }]);
      expect(qc.getQueryData(qk.exitAlarms)).toEqual([alarm("a")]);
      applyFeedBatch(qc, [{ event: "exit:alarm", payload: { alarms: [] } }]);
      expect(qc.getQueryData(qk.exitAlarms)).toEqual([]);
    });

    it("the same list again keeps the cached array (no re-render)", () => {
      const qc = client();
      const cached = [alarm("a")];
      qc.setQueryData(qk.exitAlarms, cached);
      applyFeedBatch(qc, [{ event: "exit:alarm", payload: { alarms: [alarm("a")] } }]);
      expect(qc.getQueryData(qk.exitAlarms)).toBe(cached);
    });

    it("a garbled list is skipped and the REST list refetched", () => {
      const qc = client();
      qc.setQueryData(qk.exitAlarms, [alarm("a")]);
      const report = applyFeedBatch(qc, [{ event: "exit:alarm", payload: { alarms: [{ id: "x" }] } }]);
      expect(report.rejected.map((r) => r.event)).toEqual(["exit:alarm"]);
      expect(qc.getQueryData(qk.exitAlarms)).toEqual([alarm("a")]);
      expect(qc.getQueryState(qk.exitAlarms)!.isInvalidated).toBe(true);
    });
  });
});

describe("the trades tape and the risk picture (issue 21)", () => {
  it("prints of a symbol stack newest first, capped, and stay out of other symbols' tapes", async () => {
    const { TAPE_SIZE } = await import("./feed-apply");
    const qc = client();
    const prints = Array.from({ length: TAPE_SIZE + 5 }, (_, i) => ({
      event: "market:trade",
      payload: { symbol: "BTC/USDT", price: 100 + i, quantity: 0.1, side: "buy", timestamp: i },
    }));
    applyFeedBatch(qc, [...prints, { event: "market:trade", payload: { symbol: "ETH/USDT", price: 5, quantity: 1, side: "sell", timestamp: 1 } }]);
    const tape = qc.getQueryData<{ price: number }[]>(qk.tape("BTC/USDT"))!;
    expect(tape).toHaveLength(TAPE_SIZE);
    expect(tape[0]!.price).toBe(100 + TAPE_SIZE + 4);
    expect(qc.getQueryData<unknown[]>(qk.tape("ETH/USDT"))).toHaveLength(1);
  });

  it("a trading-state change refetches the risk summary, so its breaker numbers match the new reason", () => {
    const qc = client();
    qc.setQueryData(qk.risk, { tradingState: "ACTIVE", reason: null, limits: {}, usage: [], latches: [] });
    applyFeedBatch(qc, [{ event: "trading-state", payload: { tradingState: "REDUCING", reason: "4 losing trades in a row (limit 4)" } }]);
    expect(qc.getQueryState(qk.risk)!.isInvalidated).toBe(true);
    expect(qc.getQueryData<{ reason: string }>(qk.risk)!.reason).toBe("4 losing trades in a row (limit 4)");
  });
});
