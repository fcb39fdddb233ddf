import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { configSchema, SIMULATOR_SYMBOLS } from "../../server/config";
import { composeEngine } from "../../server/composition/engine";
import { createLogger } from "../../server/core/logger";
import { openDatabase, type Database } from "../../server/db/database";
import type { EngineRuntime } from "../../server/engine/runtime";
import { signalDto } from "../../server/engine/dto";
import { clearServices, registerServices } from "../../server/http/registry";
import { app } from "../../server/http/route";
import type { Services } from "../../server/http/services";
import { cookieHeaderFrom, cookieValue, createTestAuth, makeRequest, STATIC_TOKEN, stubServices, type RequestOptions } from "../../server/auth/__tests__/fixtures";
import {
  apiTokenSchema,
  createdApiTokenSchema,
  credentialSchema,
  equityPointSchema,
  sessionReportSchema,
  sessionSchema,
  signalSchema,
  statusSchema,
} from "../../server/contract";
import { GET as getStatus } from "../../app/api/status/route";
import { GET as getSessions, POST as postSession } from "../../app/api/sessions/route";
import { GET as getSession } from "../../app/api/sessions/[id]/route";
import { POST as stopSession } from "../../app/api/sessions/[id]/stop/route";
import { GET as getTokens, POST as postToken } from "../../app/api/tokens/route";
import { GET as getCredentials } from "../../app/api/credentials/route";
import { GET as getEquity } from "../../app/api/equity/route";
import { GET as getSignals } from "../../app/api/signals/route";
import { POST as postOrder } from "../../app/api/orders/route";
import { POST as postSetup } from "../../app/api/auth/setup/route";

/**
 * The wire contract (server/contract, issue 13) against the real responses: the routes as Next calls them,
 * on the built-in simulator in paper mode. Each body must parse with its schema and lose nothing in the
 * parse (a field the server sends that the contract does not know is a failure too, at any depth), so
 * what the dashboard's types say is what it receives.
 */
const dataDir = mkdtempSync(path.join(tmpdir(), "tk-wire-contract-"));
const logger = createLogger("silent");
let db: Database;
let engine: EngineRuntime;
/** The session the session test started (its strategy instance has an equity curve of its own). */
let sessionId: string | undefined;
type Handler = (req: Request, c: { params: Promise<Record<string, string>> }) => Promise<Response>;
const call = async (handler: Handler, method: string, url: string, opts: RequestOptions = {}, params: Record<string, string> = {}) => {
  const res = await handler(makeRequest(method, url, { bearer: opts.cookie ? undefined : STATIC_TOKEN, ...opts }), { params: Promise.resolve(params) });
  return { status: res.status, body: (await res.json()) as unknown };
};
/** Parses with the schema and asserts the parse kept every field (z.object strips the ones it does not know). */
function conforms<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new Error(`does not match the contract: ${z.prettifyError(parsed.error)}\n${JSON.stringify(body).slice(0, 2000)}`);
  expect(parsed.data, "a field the contract does not declare").toEqual(body);
  return parsed.data;
}

beforeAll(async () => {
  db = await openDatabase({ dataDir });
  const config = configSchema.parse({
    server: { dataDir },
    database: {},
    venue: { id: "simulator" },
    simulator: { speed: 1, seed: 13, historyDays: 0.05, symbols: [...SIMULATOR_SYMBOLS] },
    trading: { mode: "paper", symbols: ["BTC/USDT", "ETH/USDT"], autoStart: false },
    risk: { minEntryIntervalSec: 0, symbolCooldownSec: 0 },
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
  await app().sessions.start();
  await vi.waitFor(() => expect(engine.kernel.activeAccount.lastPrices.get("BTC/USDT")).toBeGreaterThan(0), { timeout: 60_000, interval: 100 });
}, 180_000);

afterAll(async () => {
  app()?.sessions.stop();
  clearServices();
  await engine?.stop().catch(() => {});
  await db?.close().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the REST payloads match the wire contract", () => {
  it("GET /api/status, with the market history warm-up", async () => {
    const { status, body } = await call(getStatus, "GET", "/api/status");
    expect(status).toBe(200);
    const dto = conforms(statusSchema, body);
    expect(dto.warmup).toMatchObject({ done: expect.any(Boolean), progress: expect.any(Number), strategiesWarming: expect.any(Number) });
    expect(dto.warmup!.symbols.map((s) => s.symbol)).toEqual(expect.arrayContaining(["BTC/USDT", "ETH/USDT"]));
  }, 60_000);

  it("a session through its life: POST, GET one and all while it runs, stop, and its report", async () => {
    const created = await call(postSession, "POST", "/api/sessions", { body: { name: "contract session", durationMin: 60, symbols: ["BTC/USDT"], capital: 200 } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const session = conforms(sessionSchema, created.body);
    sessionId = session.id;
    expect(session).toMatchObject({ status: "running", mode: "paper", endReason: null, pnl: { openPositions: 0 } });

    const one = await call(getSession, "GET", `/api/sessions/${session.id}`, {}, { id: session.id });
    expect(one.status).toBe(200);
    expect(conforms(sessionSchema, one.body).config).toMatchObject({ name: "contract session", capital: 200, symbols: ["BTC/USDT"] });

    const stopped = await call(stopSession, "POST", `/api/sessions/${session.id}/stop`, { body: {} }, { id: session.id });
    expect(stopped.status, JSON.stringify(stopped.body)).toBe(200);
    const ended = conforms(sessionSchema, stopped.body);
    expect(ended).toMatchObject({ status: "ended", endReason: "manual", pnl: null });
    const report = conforms(sessionReportSchema, ended.report);
    expect(report.summary).toMatchObject({ reason: "manual", capital: 200, trades: 0, closeErrors: [] });

    const all = await call(getSessions, "GET", "/api/sessions");
    const list = conforms(z.array(sessionSchema), all.body);
    expect(list.map((s) => s.id)).toContain(session.id);
  }, 90_000);

  it("API tokens: the created one (with its secret, once) and the list (without it)", async () => {
    const setup = await postSetup(makeRequest("POST", "/api/auth/setup", { body: { password: "contract-test-password-1" } }), { params: Promise.resolve({}) });
    expect(setup.status).toBe(200);
    const signedIn = { cookie: cookieHeaderFrom(setup), csrf: cookieValue(setup, "tk_csrf")! };
    const created = await call(postToken, "POST", "/api/tokens", { ...signedIn, body: { name: "contract script" } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const token = conforms(createdApiTokenSchema, created.body);
    const listed = await call(getTokens, "GET", "/api/tokens", signedIn);
    const tokens = conforms(z.array(apiTokenSchema), listed.body);
    expect(tokens).toEqual([{ id: token.id, name: "contract script", last4: token.last4, createdAt: token.createdAt, lastUsedAt: null }]);
    expect(JSON.stringify(listed.body)).not.toContain(token.token);
  }, 60_000);

  it("GET /api/credentials", async () => {
    const { status, body } = await call(getCredentials, "GET", "/api/credentials");
    expect(status).toBe(200);
    conforms(z.array(credentialSchema), body);
  }, 30_000);

  it("GET /api/equity after a fill, for the account and for one strategy instance", async () => {
    const placed = await call(postOrder, "POST", "/api/orders", { body: { symbol: "BTC/USDT", side: "buy", type: "market", quantity: 0.001 } });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    let points: unknown[] = [];
    await expect
      .poll(async () => (points = (await call(getEquity, "GET", "/api/equity?limit=50")).body as unknown[]).length, { timeout: 30_000, interval: 250 })
      .toBeGreaterThan(0);
    const curve = conforms(z.array(equityPointSchema), points);
    expect(curve.at(-1)!.equity).toBeGreaterThan(0);
    // A strategy instance's curve is rebuilt from its trades: the session's instance (no trade) has its "now" point.
    const instance = await call(getEquity, "GET", `/api/equity?strategy=ses_${sessionId}`);
    expect(instance.status, JSON.stringify(instance.body)).toBe(200);
    expect(conforms(z.array(equityPointSchema), instance.body)).toEqual([expect.objectContaining({ equity: 200, unrealizedPnl: 0 })]);
  }, 60_000);

  it("GET /api/signals rows are the same SignalDto the feed sends", async () => {
    const signal = {
      id: "sig_contract_1",
      mode: "paper" as const,
      timestamp: engine.clock.now(),
      strategyInstanceId: "contract-instance",
      symbol: "BTC/USDT",
      timeframe: "5m" as const,
      action: "enter_long" as const,
      price: 61_234.5,
      reason: "EMA 9 crossed above EMA 21",
      data: { fast: 61_240.1, slow: 61_200.7, crossed: true, regime: "trend" },
      execution: { status: "blocked" as const, code: "MAX_OPEN_POSITIONS", message: "3 open", clientOrderId: null },
    };
    engine.bus.emit("signal", signal);
    let rows: Array<{ id: string }> = [];
    await expect
      .poll(async () => (rows = (await call(getSignals, "GET", "/api/signals?mode=paper&limit=20")).body as Array<{ id: string }>).some((r) => r.id === signal.id), { timeout: 30_000, interval: 250 })
      .toBe(true);
    const dtos = conforms(z.array(signalSchema), rows);
    // A blocked entry has no outcome to wait for: stored, it is the feed's message as it was sent.
    expect(dtos.find((r) => r.id === signal.id)).toEqual(conforms(signalSchema, signalDto(signal)));
  }, 60_000);
});
