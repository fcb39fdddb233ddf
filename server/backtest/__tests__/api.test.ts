import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/logger";
import { DEFAULT_RISK_LIMITS } from "../../config/risk-limits";
import { clearServices, registerServices } from "../../http/registry";
import type { Services } from "../../http/services";
import { InMemoryCandleStore } from "../../market";
import { BacktestService } from "../service";
import { InMemoryBacktestRunRepository } from "../store";
import { T0, randomWalk } from "./helpers";
import * as collection from "@/app/api/backtests/route";
import * as item from "@/app/api/backtests/[id]/route";
import * as exporter from "@/app/api/backtests/[id]/export/route";

/**
 * The API route handlers with a test application: every caller allowed, the backtest service on an
 * in-memory repository and candle store, running in-process. The auth itself is tested in tests/security.
 */
const db = { kind: "embedded" } as unknown as Services["db"];
const repository = new InMemoryBacktestRunRepository();
const candleStore = new InMemoryCandleStore();
const service = new BacktestService({
  repository,
  candleStore,
  baseLimits: DEFAULT_RISK_LIMITS,
  defaults: { startingBalance: 10_000, quoteCurrency: "USDT" },
  logger: createLogger("silent"),
  inProcess: true,
});

beforeAll(async () => {
  registerServices({
    db,
    logger: createLogger("silent"),
    auth: { authorizeRequest: async () => ({ kind: "static-token" }), authorizeSocket: async () => ({ kind: "static-token" }) },
    backtests: service,
  } as unknown as Services);
  await candleStore.saveClosed(randomWalk(2_000, { seed: 2 }));
});
afterAll(() => clearServices());

const ctx = (id = "x") => ({ params: Promise.resolve({ id }) });
const post = (body: unknown) =>
  collection.POST(new Request("http://127.0.0.1/api/backtests", { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), headers: { "content-type": "application/json" } }), ctx());
const get = (url: string) => new Request(`http://127.0.0.1${url}`);
const valid = {
  strategies: [{ kind: "ma-cross", params: { fastPeriod: 5, slowPeriod: 13 }, symbols: ["BTC/USDT"], timeframe: "5m" }],
  from: T0,
  to: T0 + 2_000 * 60_000,
};

async function errorOf(response: Response) {
  return ((await response.json()) as { error: { code: string; message: string } }).error;
}

describe("POST /api/backtests input validation", () => {
  it.each([
    ["a body that is not JSON", "{not json", "BAD_JSON"],
    ["no strategies", { from: T0, to: T0 + 1 }, "VALIDATION"],
    ["an unknown strategy kind", { ...valid, strategies: [{ kind: "moon", symbols: ["BTC/USDT"] }] }, "VALIDATION"],
    ["a malformed symbol", { ...valid, strategies: [{ kind: "ma_crossover", symbols: ["BTCUSDT"] }] }, "VALIDATION"],
    ["no date range for stored candles", { strategies: valid.strategies }, "VALIDATION"],
    ["to before from", { ...valid, from: T0 + 10, to: T0 }, "VALIDATION"],
    ["an unreadable date", { ...valid, from: "yesterday-ish" }, "VALIDATION"],
    ["a negative balance", { ...valid, startingBalance: -5 }, "VALIDATION"],
    ["NaN slippage (null in JSON)", { ...valid, slippageBps: null }, "VALIDATION"],
    ["a CSV file from the server's disk", { ...valid, source: { type: "csv", path: "/etc/passwd" } }, "VALIDATION"],
    ["an unknown fill mode", { ...valid, fillMode: "tick" }, "VALIDATION"],
  ])("refuses %s with 400 and nothing stored", async (_name, body, code) => {
    const before = (await repository.list({ limit: 200, offset: 0 })).total;
    const response = await post(body);
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe(code);
    expect((await repository.list({ limit: 200, offset: 0 })).total).toBe(before);
  });

  it("names the bad field", async () => {
    const error = await errorOf(await post({ ...valid, strategies: [{ kind: "ma_crossover", symbols: ["BTC/USDT"], timeframe: "2m" }] }));
    expect(error.message).toMatch(/^strategies\.0\.timeframe/);
  });
});

describe("a backtest through the API", () => {
  it("starts (202 with an id), runs, and serves status, result, list, exports and deletion", async () => {
    const response = await post(valid);
    expect(response.status).toBe(202);
    const { id, status } = (await response.json()) as { id: string; status: string };
    expect(status).toBe("queued");
    expect(response.headers.get("location")).toBe(`/api/backtests/${id}`);
    await service.idle();

    const run = (await (await item.GET(get(`/api/backtests/${id}`), ctx(id))).json()) as { status: string; result: { metrics: { trades: number }; trades: unknown[]; equity: unknown[]; chart: Record<string, unknown> } };
    expect(run.status).toBe("completed");
    expect(run.result.metrics.trades).toBe(run.result.trades.length);
    expect(run.result.equity.length).toBeGreaterThan(10);
    expect(Object.keys(run.result.chart)).toEqual(["BTC/USDT"]);

    const list = (await (await collection.GET(get("/api/backtests?limit=5"), ctx())).json()) as { items: Array<{ id: string; headline: unknown }>; total: number };
    expect(list.items[0].id).toBe(id);
    expect(list.items[0].headline).not.toBeNull();

    const csv = await exporter.GET(get(`/api/backtests/${id}/export?format=csv`), ctx(id));
    expect(csv.headers.get("content-type")).toMatch(/text\/csv/);
    expect((await csv.text()).split("\n")[0]).toBe("id,strategyInstanceId,symbol,side,quantity,entryPrice,exitPrice,pnl,pnlPct,fees,openedAt,closedAt,durationMs,exitReason,entryReason,exitReasonText");
    const equity = await exporter.GET(get(`/api/backtests/${id}/export?format=csv&part=equity`), ctx(id));
    expect((await equity.text()).startsWith("timestamp,equity\n")).toBe(true);
    const json = await exporter.GET(get(`/api/backtests/${id}/export?format=json`), ctx(id));
    expect(((await json.json()) as { id: string }).id).toBe(id);

    const deleted = await item.DELETE(new Request(`http://127.0.0.1/api/backtests/${id}`, { method: "DELETE" }), ctx(id));
    expect(await deleted.json()).toEqual({ deleted: true, cancelled: false });
    expect((await item.GET(get(`/api/backtests/${id}`), ctx(id))).status).toBe(404);
  });

  it("DELETE of a running backtest cancels it: nothing is stored afterwards", async () => {
    const { id } = (await (await post(valid)).json()) as { id: string };
    const deleted = await item.DELETE(new Request(`http://127.0.0.1/api/backtests/${id}`, { method: "DELETE" }), ctx(id));
    expect(await deleted.json()).toEqual({ deleted: true, cancelled: true });
    await service.idle();
    expect((await item.GET(get(`/api/backtests/${id}`), ctx(id))).status).toBe(404);
    expect((await repository.list({ limit: 200, offset: 0 })).rows.some((r) => r.id === id)).toBe(false);
  });

  it("rejects bad query parameters and unknown ids", async () => {
    expect((await collection.GET(get("/api/backtests?limit=0"), ctx())).status).toBe(400);
    expect((await collection.GET(get("/api/backtests?status=done"), ctx())).status).toBe(400);
    expect((await exporter.GET(get("/api/backtests/nope/export?format=xml"), ctx("nope"))).status).toBe(400);
    expect((await exporter.GET(get("/api/backtests/nope/export"), ctx("nope"))).status).toBe(404);
    expect((await item.DELETE(new Request("http://127.0.0.1/api/backtests/nope", { method: "DELETE" }), ctx("nope"))).status).toBe(404);
  });

  it("a run over a range without stored candles fails with a reason, and cannot be exported", async () => {
    const { id } = (await (await post({ ...valid, from: T0 - 86_400_000 * 10, to: T0 - 86_400_000 * 9 })).json()) as { id: string };
    await service.idle();
    const run = (await (await item.GET(get(`/api/backtests/${id}`), ctx(id))).json()) as { status: string; error: string };
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/no stored 5m candles for BTC\/USDT|no stored 1m candles/);
    const exported = await exporter.GET(get(`/api/backtests/${id}/export`), ctx(id));
    expect(exported.status).toBe(409);
  });
});
