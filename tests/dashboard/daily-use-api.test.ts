import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { configSchema, SIMULATOR_SYMBOLS } from "../../server/config";
import { composeEngine } from "../../server/composition/engine";
import { createLogger } from "../../server/core/logger";
import { sumMoney } from "../../server/core/decimal";
import { subQty } from "../../server/core/quantity";
import { openDatabase, type Database } from "../../server/db/database";
import type { EngineRuntime } from "../../server/engine/runtime";
import { clearServices, registerServices } from "../../server/http/registry";
import { app } from "../../server/http/route";
import type { Services } from "../../server/http/services";
import { createTestAuth, makeRequest, STATIC_TOKEN, stubServices } from "../../server/auth/__tests__/fixtures";
import { GET as getStatus } from "../../app/api/status/route";
import { GET as getOrders, POST as postOrder } from "../../app/api/orders/route";
import { POST as postPreview } from "../../app/api/orders/preview/route";
import { POST as postCancel } from "../../app/api/orders/[clientOrderId]/cancel/route";
import { GET as getPositions } from "../../app/api/positions/route";
import { POST as postClose } from "../../app/api/positions/[id]/close/route";
import { GET as getSignals } from "../../app/api/signals/route";
import { GET as getTrades } from "../../app/api/trades/route";
import { GET as getRisk } from "../../app/api/risk/route";
import { POST as postReset } from "../../app/api/kill-switch/reset/route";
import { GET as getOrderBook } from "../../app/api/orderbook/route";

/**
 * Issue 21's server side (docs/api.md "Dashboard requests"), through the routes as Next calls them, on the
 * built-in simulator in paper mode with no bot of its own: what a trader does from the dashboard.
 */
const dataDir = mkdtempSync(path.join(tmpdir(), "tk-daily-use-api-"));
const logger = createLogger("silent");
let db: Database;
let engine: EngineRuntime;
type Handler = (req: Request, c: { params: Promise<Record<string, string>> }) => Promise<Response>;
const call = async (handler: Handler, method: string, url: string, body?: unknown, params: Record<string, string> = {}) => {
  const res = await handler(makeRequest(method, url, { bearer: STATIC_TOKEN, body }), { params: Promise.resolve(params) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};
const BTC = "BTC/USDT";
const lastPrice = () => engine.kernel.activeAccount.lastPrices.get(BTC);
/** An entry at market or limit; a second entry within the 2 s entry interval is refused, so it is tried until it goes. */
async function enter(body: Record<string, unknown>) {
  let placed: Awaited<ReturnType<typeof call>> | undefined;
  await expect
    .poll(async () => (placed = await call(postOrder, "POST", "/api/orders", body)).status, { timeout: 20_000, interval: 250, message: `entry ${JSON.stringify(body)}: ${JSON.stringify(placed?.body)}` })
    .toBe(201);
  return placed!;
}
const positions = async () => (await call(getPositions, "GET", "/api/positions")).body as unknown as { id: string; symbol: string; quantity: number }[];

beforeAll(async () => {
  db = await openDatabase({ dataDir });
  const config = configSchema.parse({
    server: { dataDir },
    database: {},
    venue: { id: "simulator" },
    simulator: { speed: 1, seed: 11, historyDays: 0.05, symbols: [...SIMULATOR_SYMBOLS] },
    trading: { mode: "paper", symbols: ["BTC/USDT", "ETH/USDT"], autoStart: false },
    // Entries 2 s apart: a preview counted as an entry would make the order right after it wait.
    // (no per-symbol cooldown after an exit: the tests trade BTC again after closing it).
    risk: { minEntryIntervalSec: 2, symbolCooldownSec: 0 },
    auth: {},
  });
  engine = await composeEngine({ config, db, logger });
  await engine.start();
  const { auth } = await createTestAuth(db, dataDir);
  registerServices<Services>({
    ...stubServices(db, dataDir, auth, logger),
    engine,
    audit: (entry) => auth.audit.appendAudit(entry).then(() => undefined),
    status: () => app().system.status(),
  });
  await vi.waitFor(() => expect(lastPrice()).toBeGreaterThan(0), { timeout: 60_000, interval: 100 });
}, 180_000);

afterAll(async () => {
  clearServices();
  await engine?.stop().catch(() => {});
  await db?.close().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the dashboard a trader keeps open all day, through the API", () => {
  it("GET /api/status lists the features the dashboard gates on", async () => {
    const { status, body } = await call(getStatus, "GET", "/api/status");
    expect(status).toBe(200);
    expect(body.features).toEqual(expect.arrayContaining(["orders.preview", "orders.cancel", "positions.partialClose", "signals.execution"]));
    // The venue composition decides whether public trades are streamed; the flag follows it.
    expect((body.features as string[]).includes("feed.trades")).toBe(engine.market.streamsTrades);
  }, 60_000);

  it("the order ticket's preview shows the risk decision and the sized order, and sends, stores and counts nothing", async () => {
    await engine.persistence.flush();
    const ordersBefore = await db.prisma.order.count();
    const eventsBefore = await db.prisma.riskEvent.count();
    const openBefore = engine.kernel.activeAccount.openOrders().length;

    // 0.00834567 BTC is floored to the lot step, its notional at the last price.
    const ok = await call(postPreview, "POST", "/api/orders/preview", { symbol: BTC, side: "buy", type: "market", quantity: 0.00834567 });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ allowed: true, code: null, order: { symbol: BTC, side: "buy", type: "market" } });
    const step = engine.instruments.get(BTC)!.stepSize;
    expect(ok.body.order.quantity).toBeLessThanOrEqual(0.00834567);
    expect(ok.body.order.quantity).toBeGreaterThan(0.00834567 - step);
    expect(ok.body.order.notional).toBeCloseTo(ok.body.order.quantity * ok.body.order.price, 6);
    expect((ok.body.checks as { allowed: boolean }[]).length).toBeGreaterThan(3);
    expect((ok.body.checks as { allowed: boolean }[]).every((c) => c.allowed)).toBe(true);

    // Ten BTC is far beyond 20 % of 10 000 USDT: a refusal with the denying check's code, not a 422.
    const refused = await call(postPreview, "POST", "/api/orders/preview", { symbol: BTC, side: "buy", type: "limit", quantity: 10, price: lastPrice()! });
    expect(refused.status).toBe(200);
    expect(refused.body.allowed).toBe(false);
    expect(refused.body.code).toMatch(/^[A-Z_]+$/);
    const last = (refused.body.checks as { code: string; allowed: boolean }[]).at(-1)!;
    expect(last).toMatchObject({ code: refused.body.code, allowed: false });

    await engine.persistence.flush();
    expect(await db.prisma.order.count()).toBe(ordersBefore);
    // No denial event: a preview is not on the risk record.
    expect(await db.prisma.riskEvent.count()).toBe(eventsBefore);
    expect(engine.kernel.activeAccount.openOrders()).toHaveLength(openBefore);

    // Nor is it remembered as an entry: the order right after it is not held back by the entry interval.
    const placed = await call(postOrder, "POST", "/api/orders", { symbol: BTC, side: "buy", type: "market", quantity: 0.01 });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  }, 60_000);

  it("a bad preview body is a 400 naming the field", async () => {
    const noQty = await call(postPreview, "POST", "/api/orders/preview", { symbol: BTC, side: "buy", type: "market", quantity: -1 });
    expect(noQty.status).toBe(400);
    expect(noQty.body.error).toMatchObject({ code: "VALIDATION" });
    expect(noQty.body.error.message).toMatch(/^quantity/);
    const noPrice = await call(postPreview, "POST", "/api/orders/preview", { symbol: BTC, side: "buy", type: "limit", quantity: 0.01 });
    expect(noPrice.status).toBe(400);
    expect(noPrice.body.error.message).toMatch(/^price/);
    const dust = await call(postPreview, "POST", "/api/orders/preview", { symbol: BTC, side: "buy", type: "market", quantity: 1e-9 });
    expect(dust.status).toBe(400);
    expect(dust.body.error).toMatchObject({ code: "VALIDATION", details: [{ path: "quantity" }] });
    const unknown = await call(postPreview, "POST", "/api/orders/preview", { symbol: "NOPE/USDT", side: "buy", type: "market", quantity: 1 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe("UNKNOWN_SYMBOL");
  }, 30_000);

  it("part of a BTC position is closed at market, the rest stays open, then it is closed", async () => {
    // The preview test bought 0.01 BTC.
    let position: { id: string; quantity: number } | undefined;
    await expect.poll(async () => (position = (await positions()).find((p) => p.symbol === BTC)), { timeout: 20_000 }).toBeTruthy();
    const held = position!.quantity;
    const id = position!.id;

    const tooMuch = await call(postClose, "POST", `/api/positions/${id}/close`, { quantity: held * 2 }, { id });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.error).toMatchObject({ code: "VALIDATION", details: [{ path: "quantity" }] });
    const zero = await call(postClose, "POST", `/api/positions/${id}/close`, { quantity: 0 }, { id });
    expect(zero.status).toBe(400);
    expect(zero.body.error.details[0].path).toBe("quantity");

    // 0.0040009 is floored to the step: 0.004 sold, reduce-only, through risk.
    const part = await call(postClose, "POST", `/api/positions/${id}/close`, { quantity: 0.0040009 }, { id });
    expect(part.status, JSON.stringify(part.body)).toBe(200);
    expect(part.body.order).toMatchObject({ symbol: BTC, side: "sell", type: "market", reduceOnly: true, quantity: 0.004 });
    expect((part.body.riskChecks as unknown[]).length).toBeGreaterThan(0);
    await expect.poll(async () => (await positions()).find((p) => p.id === id)?.quantity, { timeout: 20_000 }).toBe(subQty(held, 0.004));
    // The exit guard does not take the filled part for a failed full exit: the rest stays open.
    await engine.kernel.idle();
    expect((await positions()).find((p) => p.id === id)?.quantity).toBe(subQty(held, 0.004));

    const rest = await call(postClose, "POST", `/api/positions/${id}/close`, {}, { id });
    expect(rest.status, JSON.stringify(rest.body)).toBe(200);
    expect(rest.body.order.quantity).toBe(subQty(held, 0.004));
    await expect.poll(async () => (await positions()).some((p) => p.id === id), { timeout: 20_000 }).toBe(false);

    const gone = await call(postClose, "POST", `/api/positions/${id}/close`, { quantity: 0.001 }, { id });
    expect(gone.status).toBe(404);
  }, 90_000);

  it("a resting limit order is cancelled from the dashboard, audited with who did it; twice is a 409, unknown a 404", async () => {
    const price = Math.floor(lastPrice()! * 0.98);
    const placed = await enter({ symbol: BTC, side: "buy", type: "limit", quantity: 0.002, price });
    const clientOrderId = placed.body.order.clientOrderId as string;
    await expect.poll(() => engine.kernel.activeAccount.openOrders().some((o) => o.clientOrderId === clientOrderId), { timeout: 10_000 }).toBe(true);

    const cancelled = await call(postCancel, "POST", `/api/orders/${clientOrderId}/cancel`, {}, { clientOrderId });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body.order).toMatchObject({ clientOrderId, status: "cancelled" });
    const open = await call(getOrders, "GET", "/api/orders?status=open");
    expect((open.body as unknown as { clientOrderId: string }[]).some((o) => o.clientOrderId === clientOrderId)).toBe(false);
    const audit = await db.prisma.auditLog.findMany({ where: { action: "order.cancel" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: "api-token:env" });
    expect(JSON.stringify(audit[0]!.data)).toContain(clientOrderId);

    const again = await call(postCancel, "POST", `/api/orders/${clientOrderId}/cancel`, {}, { clientOrderId });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: "ORDER_NOT_OPEN", details: { status: "cancelled" } });
    const unknown = await call(postCancel, "POST", "/api/orders/no-such-order/cancel", {}, { clientOrderId: "no-such-order" });
    expect(unknown.status).toBe(404);
  }, 60_000);

  it("a refused signal is one row with its execution: BLOCKED and the denial code, never OPEN", async () => {
    const signal = {
      id: "sig-daily-use-1",
      timestamp: engine.clock.now(),
      strategyInstanceId: "ema-test",
      symbol: BTC,
      timeframe: "1m" as const,
      action: "enter_long" as const,
      price: lastPrice()!,
      reason: "EMA 9 crossed above EMA 21",
      data: { fast: 1, slow: 2 },
      mode: "paper" as const,
    };
    engine.bus.emit("signal", { ...signal, execution: null });
    await engine.persistence.flush();
    let items = (await call(getSignals, "GET", "/api/signals?mode=paper")).body as unknown as { id: string; execution: unknown; outcome: string | null }[];
    expect(items.find((s) => s.id === signal.id)).toMatchObject({ execution: null, outcome: "open" });

    const execution = { status: "blocked" as const, code: "MAX_OPEN_POSITIONS", message: "3 positions already open (limit 3)", clientOrderId: null };
    engine.bus.emit("signal", { ...signal, execution });
    await engine.persistence.flush();
    items = (await call(getSignals, "GET", "/api/signals?mode=paper")).body as unknown as typeof items;
    const rows = items.filter((s) => s.id === signal.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ execution, outcome: null });

    // An executed one keeps its open outcome and names its order.
    const executed = { ...signal, id: "sig-daily-use-2" };
    engine.bus.emit("signal", { ...executed, execution: null });
    engine.bus.emit("signal", { ...executed, execution: { status: "executed", code: null, message: null, clientOrderId: "tk-123" } });
    await engine.persistence.flush();
    items = (await call(getSignals, "GET", "/api/signals?mode=paper")).body as unknown as typeof items;
    expect(items.find((s) => s.id === executed.id)).toMatchObject({ outcome: "open", execution: { status: "executed", clientOrderId: "tk-123" } });
  }, 30_000);

  it("the trades totals row covers every trade matching the filters, not only the page", async () => {
    // A second round trip, so that one page of one trade is not all of them.
    await enter({ symbol: BTC, side: "buy", type: "market", quantity: 0.003 });
    let position: { id: string } | undefined;
    await expect.poll(async () => (position = (await positions()).find((p) => p.symbol === BTC)), { timeout: 20_000 }).toBeTruthy();
    expect((await call(postClose, "POST", `/api/positions/${position!.id}/close`, {}, { id: position!.id })).status).toBe(200);
    await expect.poll(async () => (await call(getTrades, "GET", "/api/trades")).body.total, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    await engine.persistence.flush();
    const all = await call(getTrades, "GET", "/api/trades?pageSize=500");
    expect(all.status).toBe(200);
    const items = all.body.items as { pnl: number; fees: number }[];
    expect(items.length).toBeGreaterThanOrEqual(2);
    expect(all.body.totals).toEqual({
      pnl: sumMoney(items.map((t) => t.pnl)),
      fees: sumMoney(items.map((t) => t.fees)),
      wins: items.filter((t) => t.pnl > 0).length,
      losses: items.filter((t) => t.pnl <= 0).length,
    });
    const firstPage = await call(getTrades, "GET", "/api/trades?pageSize=1");
    expect(firstPage.body.items).toHaveLength(1);
    expect(firstPage.body.totals).toEqual(all.body.totals);
    const none = await call(getTrades, "GET", "/api/trades?symbol=ETH%2FUSDT");
    expect(none.body.totals).toEqual({ pnl: 0, fees: 0, wins: 0, losses: 0 });
  }, 30_000);

  it("GET /api/risk shows the stop as a latch, and Reset to ACTIVE clears it with an audit entry of what it cleared", async () => {
    await engine.kernel.killSwitch("stop-entries", "admin", "stop new entries by admin");
    const risk = await call(getRisk, "GET", "/api/risk");
    expect(risk.body.tradingState).not.toBe("ACTIVE");
    const latches = risk.body.latches as { id: string; state: string; code: string; reason: string; since: number; until: number | null }[];
    expect(latches.length).toBeGreaterThan(0);
    for (const latch of latches) {
      expect(latch).toMatchObject({ id: expect.any(String), state: expect.stringMatching(/^(REDUCING|HALTED)$/), code: expect.any(String), reason: expect.any(String), since: expect.any(Number) });
    }
    const held = latches.map((l) => l.id);

    const reset = await call(postReset, "POST", "/api/kill-switch/reset", { confirm: true });
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    expect((await call(getRisk, "GET", "/api/risk")).body.tradingState).toBe("ACTIVE");
    const audit = await db.prisma.auditLog.findMany({ where: { action: "trading.reset" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor).toBe("api-token:env");
    const data = audit[0]!.data as { cleared: string[]; kept: string[]; modes: Record<string, { cleared: string[]; kept: string[] }> };
    expect(data.cleared).toEqual(expect.arrayContaining(held));
    expect(data.kept).toEqual([]);
    expect(data.modes.paper!.cleared).toEqual(expect.arrayContaining(held));
  }, 60_000);

  it("the order book keeps and serves 50 levels a side", async () => {
    expect(engine.market.orderBookDepth).toBe(50);
    await expect.poll(() => engine.market.lastOrderBook(BTC)?.bids.length ?? 0, { timeout: 30_000 }).toBe(50);
    const book = await call(getOrderBook, "GET", "/api/orderbook?symbol=BTC%2FUSDT&depth=50");
    expect(book.status).toBe(200);
    expect(book.body.bids).toHaveLength(50);
    expect(book.body.asks).toHaveLength(50);
  }, 60_000);
});
