import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as getBacktest } from "../../app/api/backtests/[id]/route";
import { POST as postBacktest } from "../../app/api/backtests/route";
import { GET as getEquity } from "../../app/api/equity/route";
import { GET as getPerformance } from "../../app/api/performance/route";
import { GET as getKinds } from "../../app/api/strategies/kinds/route";
import { POST as postStrategy } from "../../app/api/strategies/route";
import { GET as getTrades } from "../../app/api/trades/route";
import { BacktestService, PrismaBacktestRunRepository } from "../../server/backtest";
import { composeEngine } from "../../server/composition/engine";
import { configSchema } from "../../server/config";
import { createLogger } from "../../server/core/logger";
import { openDatabase, type Database } from "../../server/db/database";
import type { EngineRuntime } from "../../server/engine/runtime";
import { clearServices, registerServices } from "../../server/http/registry";
import type { Services } from "../../server/http/services";
import { importCandleCsv } from "../../server/market/csv";
import { configureUserStrategies, loadUserStrategies } from "../../server/strategy";

/**
 * Issue 17, "Done when" bullet 1, at server level: on a fresh clone a trader runs
 * `npm run strategy:new -- my-breakout`, edits the file (a shorter channel, 1-minute candles), restarts;
 * the strategy is listed among the kinds, backtests on candle data through the backtest API, runs in
 * paper mode on the embedded simulator until it has closed a trade, and its trades, P&L and equity are
 * attributed to its instance id through the same routes the dashboard calls.
 */
const REPO = path.resolve(import.meta.dirname, "../..");
const FIXTURE = path.join(REPO, "server/strategy/__tests__/fixtures/BTCUSDT-5m.csv");
const dataDir = mkdtempSync(path.join(tmpdir(), "tk-lifecycle-"));
const strategiesDir = mkdtempSync(path.join(tmpdir(), "tk-lifecycle-strategies-"));
const file = path.join(strategiesDir, "my-breakout.ts");
const logger = createLogger("silent");
let db: Database;
let engine: EngineRuntime;
let backtests: BacktestService;
let scriptOutput = "";

type Handler = (req: Request, c: { params: Promise<Record<string, string>> }) => Promise<Response>;
const call = async (handler: Handler, method: string, url: string, body?: unknown, params: Record<string, string> = {}) => {
  const req = new Request(`http://127.0.0.1${url}`, body === undefined ? { method } : { method, body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  const res = await handler(req, { params: Promise.resolve(params) });
  return { status: res.status, body: (await res.json()) as any };
};

beforeAll(async () => {
  // 1. npm run strategy:new -- my-breakout (the real script, into this clone's strategies folder)
  const { stdout } = await promisify(execFile)(path.join(REPO, "node_modules/.bin/tsx"), ["scripts/strategy-new.ts", "my-breakout"], {
    cwd: REPO,
    env: { ...process.env, STRATEGIES_DIR: strategiesDir },
    timeout: 60_000,
  });
  scriptOutput = stdout;

  // 2. The trader edits the rule: a 5-candle channel instead of 20, on 1-minute candles.
  const template = readFileSync(file, "utf8");
  const edited = template
    .replace('description: "Candles in the breakout channel.", default: 20,', 'description: "Candles in the breakout channel.", default: 5,')
    .replace('timeframe: "5m",', 'timeframe: "1m",');
  expect(edited).not.toBe(template);
  expect(edited).toContain("default: 5,");
  expect(edited).toContain('timeframe: "1m",');
  writeFileSync(file, edited);

  // 3. Restart: the server loads the folder as server/app.ts does, then composes the engine on the simulator.
  configureUserStrategies({ dir: strategiesDir });
  const loaded = loadUserStrategies();
  expect(loaded.errors).toEqual([]);
  expect(loaded.loaded.map((l) => l.kind)).toEqual(["my-breakout"]);
  db = await openDatabase({ dataDir });
  const config = configSchema.parse({
    server: { dataDir, strategiesDir },
    database: {},
    venue: {},
    simulator: { speed: 300, seed: 5, historyDays: 0.1 },
    trading: { mode: "paper", symbols: ["BTC/USDT"], autoStart: false },
    risk: {},
    auth: {},
  });
  engine = await composeEngine({ config, db, logger });
  await engine.start();
  // The backtest service as server/app.ts builds it (worker thread, stored candles, stored runs).
  backtests = new BacktestService({
    repository: new PrismaBacktestRunRepository(db.prisma),
    candleStore: engine.candleStore,
    baseLimits: config.risk,
    defaults: { startingBalance: config.trading.startingBalance, quoteCurrency: config.trading.quoteCurrency },
    logger,
  });
  registerServices({
    config,
    db,
    logger,
    auth: { authorizeRequest: async () => ({ kind: "static-token" }), authorizeSocket: async () => ({ kind: "static-token" }) },
    engine,
    backtests,
  } as unknown as Services);
}, 180_000);

afterAll(async () => {
  clearServices();
  await backtests?.idle().catch(() => {});
  await engine?.stop().catch(() => {});
  await db?.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(strategiesDir, { recursive: true, force: true });
});

describe("a trader's my-breakout, from `npm run strategy:new` to attributed paper trades", () => {
  it("strategy:new wrote a commented template into STRATEGIES_DIR registered under the kind my-breakout", () => {
    expect(existsSync(file)).toBe(true);
    expect(scriptOutput).toContain('strategy kind "my-breakout"');
    const source = readFileSync(file, "utf8");
    expect(source).toContain('kind: "my-breakout"');
    expect(source).toContain('from "tradekeel/strategy"');
  });

  it("after the edit and a restart, GET /api/strategies/kinds lists it beside the built-ins with the edited defaults", async () => {
    const { status, body } = await call(getKinds, "GET", "/api/strategies/kinds");
    expect(status).toBe(200);
    const kinds = body as Array<{ kind: string; source: string; file?: string; defaultTimeframe: string; params: Array<{ name: string; default?: unknown }> }>;
    expect(kinds.map((k) => k.kind)).toEqual(expect.arrayContaining(["ma_crossover", "rsi_reversion", "my-breakout"]));
    const mine = kinds.find((k) => k.kind === "my-breakout")!;
    expect(mine.source).toBe("user");
    expect(mine.file).toBe(file);
    expect(mine.defaultTimeframe).toBe("1m");
    expect(mine.params.find((p) => p.name === "lookback")?.default).toBe(5);
    const report = await call(getKinds, "GET", "/api/strategies/kinds?include=errors");
    expect(report.body.errors).toEqual([]);
  });

  it("backtests on the BTC/USDT 5m candle history through POST /api/backtests; every trade is its instance's", async () => {
    const candles = await importCandleCsv(FIXTURE, { symbol: "BTC/USDT", timeframe: "5m" });
    await engine.candleStore.saveClosed(candles);
    const from = candles[0].openTime;
    const to = candles.at(-1)!.openTime + 5 * 60_000;
    const started = await call(postBacktest, "POST", "/api/backtests", {
      strategies: [{ kind: "my-breakout", id: "my-breakout-bt", symbols: ["BTC/USDT"], timeframe: "5m", capital: 5_000 }],
      from,
      to,
    });
    expect(started.status).toBe(202);
    await backtests.idle();
    const run = await call(getBacktest, "GET", `/api/backtests/${started.body.id}`, undefined, { id: started.body.id });
    expect(run.body.error).toBeNull();
    expect(run.body.status).toBe("completed");
    const result = run.body.result as { execution: string; metrics: { trades: number }; trades: Array<{ strategyInstanceId: string; pnl: number }> };
    // As on the server: in a backtest worker thread, which loads the edited file from STRATEGIES_DIR itself.
    expect(result.execution).toBe("worker thread");
    expect(result.trades.length).toBeGreaterThan(0);
    expect(result.metrics.trades).toBe(result.trades.length);
    expect(new Set(result.trades.map((t) => t.strategyInstanceId))).toEqual(new Set(["my-breakout-bt"]));
  }, 120_000);

  it("runs in paper mode on the simulator from POST /api/strategies, closes trades, and its trades, P&L and equity are attributed to its instance", async () => {
    expect(engine.kernel.mode).toBe("paper");
    const created = await call(postStrategy, "POST", "/api/strategies", { name: "My breakout", kind: "my-breakout", symbols: ["BTC/USDT"], capital: 1_000 });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ kind: "my-breakout", timeframe: "1m", params: { lookback: 5 }, running: true });

    // Wait until the instance has closed a trade (a 1-minute candle every 0.2 s).
    await expect
      .poll(async () => (await call(getTrades, "GET", `/api/trades?mode=paper&strategy=${id}`)).body.total, { timeout: 120_000, interval: 500 })
      .toBeGreaterThan(0);

    const trades = await call(getTrades, "GET", `/api/trades?mode=paper&strategy=${id}&pageSize=500`);
    expect(trades.status).toBe(200);
    const items = trades.body.items as Array<{ strategyInstanceId: string; mode: string; symbol: string; pnl: number }>;
    expect(items.length).toBe(trades.body.total);
    expect(items.every((t) => t.strategyInstanceId === id && t.mode === "paper" && t.symbol === "BTC/USDT")).toBe(true);
    // Nobody else traded on this account: the unfiltered journal holds the same trades.
    const all = await call(getTrades, "GET", "/api/trades?mode=paper&pageSize=500");
    expect(all.body.total).toBeGreaterThanOrEqual(items.length);
    expect((all.body.items as Array<{ strategyInstanceId: string }>).every((t) => t.strategyInstanceId === id)).toBe(true);

    // P&L: the instance's performance is the sum of its own trades. Trades keep closing while it runs, so
    // read the journal, the performance and the journal again until no trade closed in between.
    type Snapshot = { count: number; pnl: number; perf: any; stable: boolean };
    let snap: Snapshot | undefined;
    const read = async (): Promise<Snapshot> => {
      const before = (await call(getTrades, "GET", `/api/trades?mode=paper&strategy=${id}&pageSize=500`)).body.items as Array<{ pnl: number }>;
      const perf = await call(getPerformance, "GET", `/api/performance?mode=paper&strategy=${id}`);
      expect(perf.status).toBe(200);
      const afterCount = (await call(getTrades, "GET", `/api/trades?mode=paper&strategy=${id}`)).body.total as number;
      return { count: before.length, pnl: before.reduce((sum, t) => sum + t.pnl, 0), perf: perf.body, stable: afterCount === before.length };
    };
    await expect.poll(async () => (snap = await read()).stable, { timeout: 30_000, interval: 200 }).toBe(true);
    expect(snap!.perf.overall.trades).toBe(snap!.count);
    expect(snap!.perf.overall.totalPnl).toBeCloseTo(snap!.pnl, 6);
    expect(Object.keys(snap!.perf.byStrategy)).toEqual([id]);
    const closedBefore = items.length;

    // Equity: its own curve, starting from its 1 000 of capital, one point per closed trade and one now.
    const equity = await call(getEquity, "GET", `/api/equity?mode=paper&strategy=${id}`);
    expect(equity.status).toBe(200);
    const points = equity.body as Array<{ equity: number; realizedPnl: number; cash: number }>;
    expect(points.length).toBeGreaterThanOrEqual(closedBefore + 1);
    for (const p of points) expect(p.cash).toBeCloseTo(1_000 + p.realizedPnl, 6);

    // An instance id that never existed has no figures.
    expect((await call(getPerformance, "GET", "/api/performance?mode=paper&strategy=str_not_mine")).status).toBe(404);
  }, 150_000);
});
