import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as getEquity } from "../../app/api/equity/route";
import { GET as getPerformance } from "../../app/api/performance/route";
import { createUseCases } from "../../server/application";
import { configSchema } from "../../server/config";
import { createLogger } from "../../server/core/logger";
import { openDatabase, type Database } from "../../server/db/database";
import { createRepositories } from "../../server/db/repositories";
import type { EngineRuntime } from "../../server/engine/runtime";
import { clearServices, registerServices } from "../../server/http/registry";
import type { Services } from "../../server/http/services";

/**
 * Issue 17's attribution filters, through the routes as Next calls them, on a real database:
 * GET /api/performance?strategy=<id> and GET /api/equity?strategy=<id>. A trader runs two instances
 * ("breakout" with 1 000 of capital, "dip buyer" with 2 000) on the same account in paper mode, plus a
 * manual trade; each instance's page must show its own trades only, its own curve (capital + its
 * realized P&L, then marked with its open position), and an instance id nobody ever had is a 404.
 *
 * The engine is a stand-in with the few live parts these use cases read (mode, the account's open
 * positions and equity, the clock): the figures under test come from the stored trades.
 */
const dataDir = mkdtempSync(path.join(tmpdir(), "tk-instance-perf-"));
let db: Database;

const NOW = Date.UTC(2026, 2, 10, 12, 0, 0);
const HOUR = 3_600_000;
const BREAKOUT = "str_breakout";
const DIP = "str_dip_buyer";
/** Deleted since, but its trades stay in the journal. */
const RETIRED = "str_retired";

const engine = {
  kernel: {
    mode: "paper",
    accounts: new Map([
      [
        "paper",
        {
          ledger: {
            // One open position per instance, and a manual one: only the instance's own is marked on its curve.
            positions: () => [
              { symbol: "BTC/USDT", strategyInstanceId: BREAKOUT, unrealizedPnl: 12.5 },
              { symbol: "ETH/USDT", strategyInstanceId: DIP, unrealizedPnl: -40 },
              { symbol: "BTC/USDT", strategyInstanceId: undefined, unrealizedPnl: 7 },
            ],
            equity: () => 10_123,
            // A spot ledger: no funding booked (issue 15's performance funding reads these).
            summary: () => ({}),
            attribution: () => ({ bySymbol: {}, byStrategy: {} }),
          },
        },
      ],
    ]),
  },
  clock: { now: () => NOW },
  config: configSchema.parse({ server: { dataDir }, database: {}, venue: {}, simulator: {}, trading: {}, risk: { timeZone: "UTC" }, auth: {} }),
} as unknown as EngineRuntime;

let seq = 0;
function trade(strategyInstanceId: string | null, pnl: number, closedAt: number, over: { mode?: string; symbol?: string; fees?: number } = {}) {
  seq++;
  return {
    id: `trd_${seq}`,
    positionId: `pos_${seq}`,
    mode: over.mode ?? "paper",
    symbol: over.symbol ?? "BTC/USDT",
    side: "long" as const,
    quantity: "0.01",
    entryPrice: "60000",
    exitPrice: String(60_000 + pnl * 100),
    pnl: String(pnl),
    pnlPct: String(pnl / 6),
    fees: String(over.fees ?? 0.5),
    exitReason: pnl >= 0 ? "take_profit" : "stop_loss",
    entryReason: "test entry",
    exitReasonText: "test exit",
    strategyInstanceId,
    openedAt: new Date(closedAt - HOUR / 2),
    closedAt: new Date(closedAt),
  };
}

type Handler = (req: Request, c: { params: Promise<Record<string, string>> }) => Promise<Response>;
const get = async (handler: Handler, url: string) => {
  const res = await handler(new Request(`http://127.0.0.1${url}`), { params: Promise.resolve({}) });
  return { status: res.status, body: (await res.json()) as any };
};

beforeAll(async () => {
  db = await openDatabase({ dataDir });
  await db.prisma.strategyInstance.createMany({
    data: [
      { id: BREAKOUT, name: "Breakout", kind: "ma_crossover", params: {}, symbols: ["BTC/USDT"], timeframe: "5m", capital: "1000" },
      { id: DIP, name: "Dip buyer", kind: "rsi_reversion", params: {}, symbols: ["BTC/USDT", "ETH/USDT"], timeframe: "5m", capital: "2000" },
    ],
  });
  const t0 = NOW - 10 * HOUR;
  await db.prisma.trade.createMany({
    data: [
      // breakout, paper: +50, -100, +20 (equity 1050, 950, 970: a 100 drawdown from 1050)
      trade(BREAKOUT, 50, t0 + 1 * HOUR),
      trade(DIP, -30, t0 + 2 * HOUR, { symbol: "ETH/USDT" }),
      trade(BREAKOUT, -100, t0 + 3 * HOUR),
      trade(null, 500, t0 + 4 * HOUR), // a manual trade: nobody's instance
      trade(BREAKOUT, 20, t0 + 5 * HOUR),
      trade(DIP, 80, t0 + 6 * HOUR),
      // the breakout instance also traded in ghost mode: never in its paper figures
      trade(BREAKOUT, 999, t0 + 7 * HOUR, { mode: "ghost" }),
      trade(RETIRED, -15, t0 + 8 * HOUR),
    ],
  });
  const repos = createRepositories(db.prisma);
  registerServices({
    db,
    logger: createLogger("silent"),
    auth: { authorizeRequest: async () => ({ kind: "static-token" }), authorizeSocket: async () => ({ kind: "static-token" }) },
    engine,
    useCases: createUseCases({ engine, repos, db: db as unknown as Parameters<typeof createUseCases>[0]["db"] }),
  } as unknown as Services);
}, 60_000);

afterAll(async () => {
  clearServices();
  await db?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("GET /api/performance?strategy=<instance id>", () => {
  it("counts only that instance's trades of the mode: the breakout's three paper trades, not the dip buyer's, the manual one or its ghost trade", async () => {
    const { status, body } = await get(getPerformance, `/api/performance?mode=paper&strategy=${BREAKOUT}`);
    expect(status).toBe(200);
    expect(body.overall.trades).toBe(3);
    expect(body.overall.totalPnl).toBeCloseTo(50 - 100 + 20, 8);
    expect(body.overall.winRate).toBeCloseTo((2 / 3) * 100, 6);
    expect(Object.keys(body.byStrategy)).toEqual([BREAKOUT]);
    expect(body.byStrategy[BREAKOUT].trades).toBe(3);
    expect(Object.keys(body.bySymbol)).toEqual(["BTC/USDT"]);
    expect(body.daily.reduce((n: number, d: { trades: number }) => n + d.trades, 0)).toBe(3);
    expect(body.hourly.reduce((n: number, h: { trades: number }) => n + h.trades, 0)).toBe(3);
  });

  it("measures the drawdown on the instance's own curve (1 050 down to 950 on 1 000 of capital), not on the account's", async () => {
    const { body } = await get(getPerformance, `/api/performance?mode=paper&strategy=${BREAKOUT}`);
    expect(body.overall.maxDrawdown).toBeCloseTo(100, 6);
    expect(body.overall.maxDrawdownPct).toBeCloseTo((100 / 1050) * 100, 4);
    const deepest = Math.max(...body.drawdown.map((d: { drawdownPct: number }) => Math.abs(d.drawdownPct)));
    expect(deepest).toBeCloseTo((100 / 1050) * 100, 4);
  });

  it("gives the other instance its own figures: the dip buyer's two trades, both symbols", async () => {
    const { status, body } = await get(getPerformance, `/api/performance?mode=paper&strategy=${DIP}`);
    expect(status).toBe(200);
    expect(body.overall.trades).toBe(2);
    expect(body.overall.totalPnl).toBeCloseTo(50, 8);
    expect(Object.keys(body.byStrategy)).toEqual([DIP]);
    expect(Object.keys(body.bySymbol).sort()).toEqual(["BTC/USDT", "ETH/USDT"]);
  });

  it("without the filter still counts every paper trade of the account", async () => {
    const { body } = await get(getPerformance, "/api/performance?mode=paper");
    expect(body.overall.trades).toBe(7);
    expect(Object.keys(body.byStrategy).sort()).toEqual(expect.arrayContaining([BREAKOUT, DIP, RETIRED]));
  });

  it("answers 404 for an instance id that never existed and has no trades", async () => {
    const { status, body } = await get(getPerformance, "/api/performance?mode=paper&strategy=str_nobody");
    expect(status).toBe(404);
    expect(body.error.code).toBe("NOT_FOUND");
  });

  it("still serves a deleted instance that has trades (its history stays attributed to it)", async () => {
    const { status, body } = await get(getPerformance, `/api/performance?mode=paper&strategy=${RETIRED}`);
    expect(status).toBe(200);
    expect(body.overall.trades).toBe(1);
    expect(body.overall.totalPnl).toBeCloseTo(-15, 8);
  });
});

describe("GET /api/equity?strategy=<instance id>", () => {
  it("is the instance's capital plus its realized P&L after each of its trades, ending now marked with its own open position", async () => {
    const { status, body } = await get(getEquity, `/api/equity?mode=paper&strategy=${BREAKOUT}`);
    expect(status).toBe(200);
    const t0 = NOW - 10 * HOUR;
    expect(body).toEqual([
      { timestamp: t0 + 1 * HOUR, equity: 1050, cash: 1050, realizedPnl: 50, unrealizedPnl: 0 },
      { timestamp: t0 + 3 * HOUR, equity: 950, cash: 950, realizedPnl: -50, unrealizedPnl: 0 },
      { timestamp: t0 + 5 * HOUR, equity: 970, cash: 970, realizedPnl: -30, unrealizedPnl: 0 },
      // the breakout's open BTC position (+12.5), not the dip buyer's ETH one nor the manual one
      { timestamp: NOW, equity: 982.5, cash: 970, realizedPnl: -30, unrealizedPnl: 12.5 },
    ]);
  });

  it("gives the dip buyer its own curve on its own capital, marked with its own loss", async () => {
    const { body } = await get(getEquity, `/api/equity?mode=paper&strategy=${DIP}`);
    expect(body.map((p: { equity: number }) => p.equity)).toEqual([1970, 2050, 2010]);
    expect(body.at(-1).unrealizedPnl).toBe(-40);
  });

  it("keeps from, to and limit: the last two points of the breakout after its first trade", async () => {
    const t0 = NOW - 10 * HOUR;
    const { body } = await get(getEquity, `/api/equity?mode=paper&strategy=${BREAKOUT}&from=${t0 + 2 * HOUR}&limit=2`);
    expect(body.map((p: { timestamp: number }) => p.timestamp)).toEqual([t0 + 5 * HOUR, NOW]);
    const until = await get(getEquity, `/api/equity?mode=paper&strategy=${BREAKOUT}&to=${t0 + 4 * HOUR}`);
    expect(until.body.map((p: { equity: number }) => p.equity)).toEqual([1050, 950]);
  });

  it("in ghost mode counts the breakout's ghost trade only", async () => {
    const { body } = await get(getEquity, `/api/equity?mode=ghost&strategy=${BREAKOUT}`);
    expect(body[0]).toMatchObject({ equity: 1999, realizedPnl: 999 });
    expect(body).toHaveLength(2); // its ghost trade, and now (no ghost account open: nothing unrealized)
    expect(body[1]).toMatchObject({ timestamp: NOW, equity: 1999, unrealizedPnl: 0 });
  });

  it("answers 404 for an unknown instance without trades, also with a mode where it has none", async () => {
    const unknown = await get(getEquity, "/api/equity?mode=paper&strategy=str_nobody");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("NOT_FOUND");
    const retiredInGhost = await get(getEquity, `/api/equity?mode=ghost&strategy=${RETIRED}`);
    expect(retiredInGhost.status).toBe(404);
  });
});
