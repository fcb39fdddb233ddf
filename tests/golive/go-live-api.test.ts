import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema, SIMULATOR_SYMBOLS } from "../../server/config";
import { composeEngine } from "../../server/composition/engine";
import { createLogger } from "../../server/core/logger";
import { openDatabase, type Database } from "../../server/db/database";
import type { EngineRuntime } from "../../server/engine/runtime";
import { clearServices, registerServices } from "../../server/http/registry";
import type { Services } from "../../server/http/services";
import { createTestAuth, makeRequest, STATIC_TOKEN, stubServices } from "../../server/auth/__tests__/fixtures";
import { GET as getRisk } from "../../app/api/risk/route";
import { GET as getGoLive } from "../../app/api/go-live/route";
import { GET as getReconciliation } from "../../app/api/reconciliation/route";
import { POST as postReconciliationAction } from "../../app/api/reconciliation/actions/route";
import { GET as getDrift } from "../../app/api/drift/route";

/**
 * The go-live API on a fresh clone with defaults: the engine in live mode on the simulator (a testnet-
 * like venue), the routes called as Next calls them.
 */
const dataDir = mkdtempSync(path.join(tmpdir(), "tk-golive-api-"));
const logger = createLogger("silent");
let db: Database;
let engine: EngineRuntime;
const ctx = { params: Promise.resolve({}) };
const call = async (handler: (req: Request, c: typeof ctx) => Promise<Response>, method: string, url: string, body?: unknown) => {
  const res = await handler(makeRequest(method, url, { bearer: STATIC_TOKEN, body }), ctx);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

beforeAll(async () => {
  db = await openDatabase({ dataDir });
  const config = configSchema.parse({
    server: { dataDir },
    database: {},
    venue: { id: "simulator" },
    simulator: { speed: 1, seed: 7, historyDays: 0.05, symbols: [...SIMULATOR_SYMBOLS] },
    trading: { mode: "live", symbols: [...SIMULATOR_SYMBOLS], autoStart: false },
    risk: {},
    auth: {},
  });
  engine = await composeEngine({ config, db, logger });
  await engine.start();
  const { auth } = await createTestAuth(db, dataDir);
  registerServices<Services>({
    ...stubServices(db, dataDir, auth, logger),
    engine,
    audit: (entry) => auth.audit.appendAudit(entry).then(() => undefined),
  });
}, 180_000);

afterAll(async () => {
  clearServices();
  await engine?.stop().catch(() => {});
  await db?.close().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

describe("going live safely, through the API", () => {
  it("GET /api/risk lists the plans' defaults and the live rulebook", async () => {
    const { status, body } = await call(getRisk, "GET", "/api/risk?mode=live");
    expect(status).toBe(200);
    expect(body.limits).toMatchObject({ maxPositionPctEquity: 20, minPositionQuote: expect.any(Number), dailyLossPct: 3, maxConsecutiveLosses: 3, stablecoinReservePct: 20, minAccountBalance: 100, minRewardToRisk: 2 });
    expect(body.limits.live).toMatchObject({ maxPositionQuote: 50, maxTradeLossQuote: 5, dailyLossQuote: 25, weeklyLossQuote: 100, maxOpenPositions: 2, minEntryIntervalSec: 60, symbolWhitelist: ["BTC/USDT", "ETH/USDT"], blackoutHoursUtc: [22, 23, 0, 1] });
  }, 60_000);

  it("GET /api/go-live on a fresh clone: every history item fails with its figure, the ramp at its first stage", async () => {
    const { status, body } = await call(getGoLive, "GET", "/api/go-live");
    expect(status).toBe(200);
    expect(body.ready).toBe(false);
    const figures = Object.fromEntries((body.items as { id: string; figure: string }[]).map((i) => [i.id, i.figure]));
    expect(figures).toMatchObject({ backtest: "0 completed backtests", paper_trades: "0 of 5 trades", testnet_trades: "0 of 20 trades", risk_acknowledged: "not acknowledged" });
    expect(body.ramp).toMatchObject({ stage: "first", capQuote: 50 });
  }, 60_000);

  it("GET /api/reconciliation shows the BTC the simulator account held before the bot as unknown; ignoring it is audited", async () => {
    const panel = await call(getReconciliation, "GET", "/api/reconciliation");
    expect(panel.status).toBe(200);
    const btc = (panel.body.rows as { key: string; status: string }[]).find((r) => r.key === "asset:BTC");
    expect(btc).toMatchObject({ status: "unknown" });
    const adopt = await call(postReconciliationAction, "POST", "/api/reconciliation/actions", { key: "asset:BTC", action: "adopt" });
    expect(adopt.status).toBe(400);
    expect(adopt.body.error.code).toBe("ADOPT_STOP_REQUIRED");
    const ignore = await call(postReconciliationAction, "POST", "/api/reconciliation/actions", { key: "asset:BTC", action: "ignore", reason: "held before the bot" });
    expect(ignore.status).toBe(200);
    const again = await call(getReconciliation, "GET", "/api/reconciliation");
    expect((again.body.rows as { key: string; status: string }[]).find((r) => r.key === "asset:BTC")).toMatchObject({ status: "ignored" });
    const audit = await db.prisma.auditLog.findMany({ where: { action: "reconciliation.ignore" } });
    expect(audit).toHaveLength(1);
  }, 60_000);

  it("GET /api/drift answers for a window and refuses one that ends before it starts", async () => {
    const ok = await call(getDrift, "GET", "/api/drift?from=0&to=1000");
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ from: 0, to: 1000, rows: [] });
    const bad = await call(getDrift, "GET", "/api/drift?from=2000&to=1000");
    expect(bad.status).toBe(400);
  }, 60_000);
});
