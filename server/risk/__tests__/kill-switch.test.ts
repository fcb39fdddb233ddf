import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import type { Instrument } from "../../model/types";
import { KillSwitchBypass } from "../bypass";
import type {
  KillSwitchAuditRecord,
  KillSwitchCloseOptions,
  KillSwitchOrder,
  KillSwitchPosition,
  KillSwitchStatus,
  KillSwitchVenuePort,
} from "../kill-switch";
import type { RiskEngine } from "../risk-engine";
import { InMemoryRiskStateStore, type PersistedRiskState } from "../state-store";
import type { RiskContext, RiskDecision } from "../types";
import { BTC, context, entry, exit, startEngine, T0, VirtualScheduler } from "./fixtures";

const SYMBOLS = Array.from({ length: 10 }, (_, i) => `C${i}/USDT`);
const INSTRUMENTS: Instrument[] = SYMBOLS.map((symbol) => ({ ...BTC, symbol, base: symbol.split("/")[0]!, stepSize: 0.001, minQty: 0.001 }));

type Fault = Error | "hang" | undefined;

/** A venue with 50 ms latency per call whose faults are scripted per call number. */
class FakeVenue implements KillSwitchVenuePort {
  orders = new Map<string, KillSwitchOrder>();
  positions = new Map<string, KillSwitchPosition>();
  /** Positions the venue keeps reporting whatever is sent. */
  stickyPositions = new Set<string>();
  stickyOrders = new Set<string>();
  calls: Record<string, number> = {};
  closeAttempts: Record<string, number> = {};
  decisions: RiskDecision[] = [];
  faults: {
    cancelAll?: (call: number) => Fault;
    listOrders?: (call: number) => Fault;
    listPositions?: (call: number) => Fault;
    close?: (symbol: string, attempt: number) => Fault;
  } = {};
  onClose?: (p: KillSwitchPosition, options: KillSwitchCloseOptions) => void;

  constructor(
    private readonly scheduler: VirtualScheduler,
    private readonly engine: RiskEngine,
  ) {}

  static seeded(scheduler: VirtualScheduler, engine: RiskEngine, positions: number, orders: number): FakeVenue {
    const v = new FakeVenue(scheduler, engine);
    for (let i = 0; i < positions; i++) v.positions.set(SYMBOLS[i]!, { symbol: SYMBOLS[i]!, side: "long", quantity: 12.5 });
    for (let i = 0; i < orders; i++) v.orders.set(`o${i}`, { clientOrderId: `o${i}`, symbol: SYMBOLS[i % 10]!, });
    return v;
  }

  private async step(name: string, fault: ((call: number) => Fault) | undefined): Promise<void> {
    const call = (this.calls[name] = (this.calls[name] ?? 0) + 1);
    await this.scheduler.sleep(50);
    const f = fault?.(call);
    if (f === "hang") await new Promise(() => {});
    if (f) throw f;
  }

  riskContext(): RiskContext {
    return context({
      now: this.scheduler.now(),
      positions: [...this.positions.values()].map((p) => ({ ...p, avgEntryPrice: 10 })),
      prices: Object.fromEntries(SYMBOLS.map((s) => [s, 10])),
      instruments: new Map(INSTRUMENTS.map((i) => [i.symbol, i])),
    });
  }

  async cancelAllOrders() {
    await this.step("cancelAll", this.faults.cancelAll);
    let cancelled = 0;
    for (const id of [...this.orders.keys()]) {
      if (this.stickyOrders.has(id)) continue;
      this.orders.delete(id);
      cancelled += 1;
    }
    return { cancelled };
  }

  async listOpenOrders() {
    await this.step("listOrders", this.faults.listOrders);
    return [...this.orders.values()];
  }

  async listPositions() {
    await this.step("listPositions", this.faults.listPositions);
    return [...this.positions.values()].map((p) => ({ ...p }));
  }

  async closePosition(p: KillSwitchPosition, options: KillSwitchCloseOptions) {
    const attempt = (this.closeAttempts[p.symbol] = (this.closeAttempts[p.symbol] ?? 0) + 1);
    await this.scheduler.sleep(50);
    const f = this.faults.close?.(p.symbol, attempt);
    if (f === "hang") await new Promise(() => {});
    if (f) throw f;
    this.onClose?.(p, options);
    // Like the integrator's port: every close goes through the risk engine with the run's bypass.
    const decision = this.engine.evaluate(
      exit({ clientOrderId: `ks-${p.symbol}-${attempt}`, symbol: p.symbol, quantity: p.quantity, exitReason: "kill_switch", reason: options.reason }),
      this.riskContext(),
      { killSwitchBypass: options.bypass },
    );
    this.decisions.push(decision);
    if (!decision.allowed) throw new Error(`risk refused the close: ${decision.code}`);
    if (!this.stickyPositions.has(p.symbol)) this.positions.delete(p.symbol);
    return { clientOrderId: `ks-${p.symbol}-${attempt}`, filledQuantity: p.quantity };
  }
}

async function setup(opts: { positions?: number; orders?: number; store?: InMemoryRiskStateStore; maxDurationMs?: number } = {}) {
  const clock = new ManualClock(T0);
  const scheduler = new VirtualScheduler(clock);
  const store = opts.store ?? new InMemoryRiskStateStore();
  const h = await startEngine({}, { clock, store });
  const venue = FakeVenue.seeded(scheduler, h.engine, opts.positions ?? 10, opts.orders ?? 20);
  const progress: KillSwitchStatus[] = [];
  const audits: KillSwitchAuditRecord[] = [];
  const killSwitch = h.engine.createKillSwitch(venue, {
    scheduler,
    ...(opts.maxDurationMs ? { maxDurationMs: opts.maxDurationMs } : {}),
    onProgress: (s) => progress.push(s),
    onAudit: (r) => {
      audits.push(r);
    },
  });
  const trigger = () => scheduler.run(killSwitch.trigger({ actor: "alice", reason: "flash crash" }));
  return { ...h, store, clock, scheduler, venue, killSwitch, progress, audits, trigger };
}

describe("kill switch", () => {
  it("10 open positions and 20 resting orders → flat confirmed, HALTED persisted first, duration recorded", async () => {
    const t = await setup();
    let latchedBeforeCancel = false;
    const cancel = t.venue.cancelAllOrders.bind(t.venue);
    t.venue.cancelAllOrders = async () => {
      latchedBeforeCancel = t.store.peek()?.latches.some((l) => l.id === "kill_switch") ?? false;
      return cancel();
    };

    const status = await t.trigger();

    expect(latchedBeforeCancel).toBe(true);
    expect(status).toMatchObject({
      phase: "completed",
      flatConfirmed: true,
      haltPersisted: true,
      ordersCancelled: 20,
      positionsFound: 10,
      closeOrdersSent: 10,
      positionsClosed: 10,
      errors: [],
      remaining: { orders: [], positions: [], confirmed: true },
    });
    // cancel 50 ms, list 50 ms, 10 closes in parallel 50 ms, confirmation listing 50 ms.
    expect(status.durationMs).toBe(200);
    expect(status.phaseDurationsMs).toEqual({ halting: 0, cancelling_orders: 50, closing_positions: 100, confirming: 50 });
    expect(t.venue.positions.size).toBe(0);
    expect(t.venue.decisions.every((d) => d.allowed && d.code === "KILL_SWITCH_CLOSE")).toBe(true);
    expect(t.engine.state).toBe("HALTED");

    const phases = [...new Set(t.progress.map((s) => s.phase))];
    expect(phases).toEqual(["halting", "cancelling_orders", "closing_positions", "confirming", "completed"]);
    expect(t.progress.at(-1)?.positionsClosed).toBe(10);
    expect(t.audits).toHaveLength(1);
    expect(t.audits[0]).toMatchObject({ action: "kill_switch", outcome: "flat", actor: "alice", durationMs: 200, startedAt: T0, finishedAt: T0 + 200 });
    expect(t.sink.codes("kill_switch")).toEqual(["KILL_SWITCH_TRIGGERED", "KILL_SWITCH_FLAT"]);
  });

  it("timeouts, a 503 and a close rejected twice are retried with backoff and reported honestly", async () => {
    const t = await setup();
    t.venue.faults = {
      cancelAll: (n) => (n === 1 ? new Error("503 Service Unavailable") : undefined),
      listPositions: (n) => (n === 1 ? "hang" : undefined),
      close: (symbol, attempt) => (symbol === "C3/USDT" && attempt <= 2 ? new Error("Order rejected: would trigger immediately") : undefined),
    };

    const status = await t.trigger();

    expect(status.flatConfirmed).toBe(true);
    expect(status.positionsClosed).toBe(10);
    expect(status.errors.map((e) => [e.step, e.symbol ?? null, e.attempt])).toEqual([
      ["cancel_all_orders", null, 1],
      ["list_positions", null, 1],
      ["close_position", "C3/USDT", 1],
      ["close_position", "C3/USDT", 2],
    ]);
    expect(status.errors[0]!.message).toContain("503");
    expect(status.errors[1]!.message).toBe("list_positions timed out after 10000 ms");
    expect(t.venue.closeAttempts["C3/USDT"]).toBe(3);
    // 503 at 50 ms, 250 ms backoff, retry done at 350; listing hangs 10 s, 250 ms backoff, 50 ms listing;
    // C3 closes at the third try after 250 + 500 ms of backoff; final listing 50 ms.
    expect(status.durationMs).toBe(350 + 10_000 + 250 + 50 + (50 + 250 + 50 + 500 + 50) + 50);
  });

  it("a venue that never goes flat: after the bounded time it reports exactly what is left and why", async () => {
    const t = await setup({ positions: 3, orders: 2, maxDurationMs: 20_000 });
    t.venue.stickyPositions.add("C0/USDT"); // close accepted, position stays
    t.venue.stickyOrders.add("o1"); // cancel-all never removes it
    t.venue.faults.close = (symbol) => (symbol === "C1/USDT" ? new Error("Order rejected: market closed") : undefined);

    const status = await t.trigger();

    expect(status.phase).toBe("incomplete");
    expect(status.flatConfirmed).toBe(false);
    expect(status.durationMs).toBeGreaterThanOrEqual(20_000);
    expect(status.durationMs).toBeLessThanOrEqual(20_000 + 1_000 + 10_000);
    expect(status.positionsClosed).toBe(1);
    expect(status.remaining).toEqual({
      confirmed: true,
      orders: [{ clientOrderId: "o1", symbol: "C1/USDT", reason: "the venue still lists it after cancel-all" }],
      positions: [
        { symbol: "C0/USDT", side: "long", quantity: 12.5, reason: "close order sent but the venue still reports the position" },
        { symbol: "C1/USDT", side: "long", quantity: 12.5, reason: "close failed: Order rejected: market closed" },
      ],
    });
    const incomplete = t.sink.events.find((e) => e.code === "KILL_SWITCH_INCOMPLETE")!;
    expect(incomplete.severity).toBe("critical");
    expect(incomplete.message).toContain("long 12.5 C0/USDT");
    expect(t.audits[0]).toMatchObject({ action: "kill_switch", outcome: "incomplete" });
    expect(t.engine.state).toBe("HALTED");
  });

  it("when the venue cannot even be listed at the end, what is left is marked unconfirmed", async () => {
    const t = await setup({ positions: 1, orders: 0, maxDurationMs: 5_000 });
    t.venue.faults.listOrders = () => new Error("ECONNRESET");
    const status = await t.trigger();
    expect(status.flatConfirmed).toBe(false);
    expect(status.remaining.confirmed).toBe(false);
    expect(status.durationMs).toBeLessThanOrEqual(5_000 + 1_000 + 10_000);
  });

  it("only the running kill switch's own bypass passes HALTED, and only for reduce-only closes", async () => {
    const t = await setup({ positions: 1, orders: 0 });
    const seen: Record<string, string> = {};
    let captured: KillSwitchBypass | undefined;
    t.venue.onClose = (_p, options) => {
      captured = options.bypass;
      const ctx = t.venue.riskContext();
      const close = exit({ symbol: "C0/USDT", quantity: 12.5 });
      seen.strategyExit = t.engine.evaluate(close, ctx).code;
      seen.entryWithBypass = t.engine.evaluate(entry({ symbol: "C0/USDT", quantity: 10, stopLoss: 9.9, takeProfit: 10.2 }), ctx, { killSwitchBypass: options.bypass }).code;
      seen.forged = t.engine.evaluate(close, ctx, { killSwitchBypass: new KillSwitchBypass(options.bypass.runId) }).code;
      seen.tooLarge = t.engine.evaluate(exit({ symbol: "C0/USDT", quantity: 20 }), ctx, { killSwitchBypass: options.bypass }).code;
    };
    await t.trigger();
    expect(seen).toEqual({
      strategyExit: "TRADING_HALTED",
      entryWithBypass: "KILL_SWITCH_BYPASS_MISUSE",
      forged: "KILL_SWITCH_BYPASS_INVALID",
      tooLarge: "EXIT_EXCEEDS_POSITION",
    });
    // After the run the same bypass is worthless.
    const later = t.engine.evaluate(exit({ symbol: "C0/USDT", quantity: 1 }), t.venue.riskContext(), { killSwitchBypass: captured! });
    expect(later.code).toBe("KILL_SWITCH_BYPASS_INVALID");
    expect(t.sink.events.filter((e) => e.code.startsWith("KILL_SWITCH_BYPASS")).every((e) => e.severity === "critical")).toBe(true);
  });

  it("there is only one kill switch per engine", async () => {
    const t = await setup();
    expect(() => t.engine.createKillSwitch(t.venue)).toThrow(expect.objectContaining({ code: "KILL_SWITCH_EXISTS" }));
  });

  it("a second trigger during a run joins the run", async () => {
    const t = await setup({ positions: 2, orders: 0 });
    const first = t.killSwitch.trigger({ actor: "alice", reason: "a" });
    const second = t.killSwitch.trigger({ actor: "bob", reason: "b" });
    expect(second).toBe(first);
    const status = await t.scheduler.run(first);
    expect(status.actor).toBe("alice");
    expect(t.venue.closeAttempts).toEqual({ "C0/USDT": 1, "C1/USDT": 1 });
  });

  it("a store that cannot save does not stop the flattening; the failure is in the report", async () => {
    const store = new InMemoryRiskStateStore();
    const t = await setup({ positions: 2, orders: 1, store });
    store.save = async () => {
      throw new Error("database is down");
    };
    const status = await t.trigger();
    expect(status).toMatchObject({ flatConfirmed: true, haltPersisted: false });
    expect(status.errors[0]).toMatchObject({ step: "persist_halt", message: "database is down" });
    expect(t.engine.state).toBe("HALTED");
  });

  it("the HALTED latch survives a restart until a person resets it with confirmation", async () => {
    const store = new InMemoryRiskStateStore();
    const t = await setup({ positions: 2, orders: 2, store });
    await t.trigger();

    const restarted = await startEngine({}, { store });
    expect(restarted.engine.state).toBe("HALTED");
    expect(restarted.engine.latches.map((l) => l.id)).toEqual(["kill_switch"]);
    expect(restarted.sink.codes()).toContain("RISK_STATE_RESTORED");
    expect(restarted.engine.evaluate(entry(), context()).code).toBe("TRADING_HALTED");

    const audits: KillSwitchAuditRecord[] = [];
    const killSwitch = restarted.engine.createKillSwitch(t.venue, { onAudit: (r) => void audits.push(r) });
    await expect(killSwitch.reset({ confirm: false, actor: "alice" })).rejects.toMatchObject({ code: "CONFIRMATION_REQUIRED" });
    expect(restarted.engine.state).toBe("HALTED");
    const result = await killSwitch.reset({ confirm: true, actor: "alice", reason: "checked the venue" });
    expect(result).toEqual({ state: "ACTIVE", cleared: ["kill_switch"], kept: [] });
    expect(audits[0]).toMatchObject({ action: "reset", actor: "alice", state: "ACTIVE" });

    const again = await startEngine({}, { store });
    expect(again.engine.state).toBe("ACTIVE");
    expect(again.engine.evaluate(entry(), context()).allowed).toBe(true);
  });

  it("stop new entries is the lighter action: REDUCING, audited", async () => {
    const t = await setup();
    expect(await t.killSwitch.stopNewEntries({ actor: "alice", reason: "unusual volatility" })).toBe("REDUCING");
    expect(t.audits[0]).toMatchObject({ action: "stop_new_entries", actor: "alice", state: "REDUCING" });
    expect((t.store.peek() as PersistedRiskState).latches[0]).toMatchObject({ id: "manual_stop", state: "REDUCING" });
  });

  it("an unreadable stored state starts HALTED rather than forgetting a latch", async () => {
    const store = new InMemoryRiskStateStore();
    await store.save({ version: 1, latches: "garbage" } as unknown as PersistedRiskState);
    const { engine, sink } = await startEngine({}, { store });
    expect(engine.state).toBe("HALTED");
    expect(engine.startup.stateUnreadable).toBe(true);
    expect(sink.codes("breaker")).toEqual(["RISK_STATE_UNREADABLE"]);
  });
});
