import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "@/server/core/logger";
import type { EngineRuntime } from "@/server/engine/runtime";
import { strategyUseCases, type UseCases } from "@/server/application";
import { createRepositories } from "@/server/db/repositories";
import { findBadText, userText } from "@/server/http/input";
import { clearServices, registerServices } from "@/server/http/registry";
import type { RouteContext } from "@/server/http/route";
import type { Services } from "@/server/http/services";
import {
  STATIC_TOKEN,
  cookieHeaderFrom,
  cookieValue,
  createTestAuth,
  makeRequest,
  openTestDatabase,
  resetAuthTables,
  stubServices,
  type TestAuth,
} from "@/server/auth/__tests__/fixtures";

/**
 * Issue 22, fuzz findings: a NUL character or a lone surrogate in a name, a capital of 1e23–1e308 and
 * `%00` in a query reached a 500, and one of them (a lone surrogate in a strategy's name with status
 * active) still created and started the strategy. Every one is a 400 naming the field, and a refused
 * mutation writes nothing.
 */

const API_DIR = path.resolve(import.meta.dirname, "../../app/api");
type Handler = (req: Request, ctx: RouteContext) => Promise<Response>;

let handle: Awaited<ReturnType<typeof openTestDatabase>>;
let t: TestAuth;
const started = vi.fn();
const sessionCreate = vi.fn(async () => ({ id: "ses_x" }));
const audit = vi.fn(async () => {});

/** Just enough engine for the strategy and query routes: instruments, the kernel's mode, startStrategy. */
const fakeEngine = {
  instruments: new Map([["BTC/USDT", {}]]),
  venue: { id: "simulator" },
  kernel: { mode: "paper", strategy: () => undefined, removeStrategy: () => {} },
  startStrategy: started,
} as unknown as EngineRuntime;

beforeAll(async () => {
  handle = await openTestDatabase();
});
afterAll(async () => {
  clearServices();
  await handle?.close();
});
beforeEach(async () => {
  await resetAuthTables(handle.db);
  await handle.db.prisma.strategyInstance.deleteMany();
  started.mockClear();
  sessionCreate.mockClear();
  audit.mockClear();
  t = await createTestAuth(handle.db, handle.dir);
  registerServices<Services>({
    ...stubServices(handle.db, handle.dir, t.auth, createLogger("silent")),
    engine: fakeEngine,
    useCases: { strategies: strategyUseCases({ engine: fakeEngine, repos: createRepositories(handle.db.prisma), audit }), sessions: { create: sessionCreate } } as unknown as UseCases,
    audit,
  });
});

async function call(file: string, method: string, req: Request, params: Record<string, string> = {}): Promise<Response> {
  const mod = (await import(/* @vite-ignore */ path.join(API_DIR, file))) as Record<string, Handler>;
  return mod[method]!(req, { params: Promise.resolve(params) });
}

async function expect400(response: Response, field: string): Promise<void> {
  const body = (await response.json()) as { error: { code: string; message: string; details?: Array<{ path: string }> } };
  expect(response.status, JSON.stringify(body)).toBe(400);
  expect(body.error.code).toBe("VALIDATION");
  expect(body.error.message.startsWith(`${field}: `), body.error.message).toBe(true);
}

const strategyBody = (o: Record<string, unknown> = {}) => ({ name: "MA BTC", kind: "ma_crossover", symbols: ["BTC/USDT"], capital: 500, status: "active", ...o });
const bearer = (method: string, url: string, body?: unknown) => makeRequest(method, url, { bearer: STATIC_TOKEN, body });

const BAD_NAMES = [
  ["a NUL character", "MA\u0000BTC"],
  ["a lone high surrogate", "MA \ud800"],
  ["a lone low surrogate", "\udc00 MA"],
] as const;

describe("a NUL or a lone surrogate in a name is a 400 naming the field", () => {
  it.each(BAD_NAMES)("POST /api/strategies with %s", async (_what, name) => {
    await expect400(await call("strategies/route.ts", "POST", bearer("POST", "/api/strategies", strategyBody({ name }))), "name");
  });

  it.each(BAD_NAMES)("PATCH /api/strategies/{id} with %s", async (_what, name) => {
    await expect400(await call("strategies/[id]/route.ts", "PATCH", bearer("PATCH", "/api/strategies/str_1", { name }), { id: "str_1" }), "name");
  });

  it.each(BAD_NAMES)("POST /api/sessions with %s", async (_what, name) => {
    await expect400(await call("sessions/route.ts", "POST", bearer("POST", "/api/sessions", { name })), "name");
    expect(sessionCreate).not.toHaveBeenCalled();
  });

  it.each(BAD_NAMES)("POST /api/tokens with %s", async (_what, name) => {
    const setup = await call("auth/setup/route.ts", "POST", makeRequest("POST", "/api/auth/setup", { body: { password: "bad-input-test-password" } }));
    const cookie = cookieHeaderFrom(setup);
    const csrf = cookieValue(setup, "tk_csrf")!;
    await expect400(await call("tokens/route.ts", "POST", makeRequest("POST", "/api/tokens", { cookie, csrf, body: { name } })), "name");
    expect(await handle.db.prisma.apiToken.count()).toBe(0);
  });

  it("a NUL deep inside any body is named by its path, for every route that parses a body", async () => {
    const response = await call("strategies/route.ts", "POST", bearer("POST", "/api/strategies", strategyBody({ params: { maType: "e\u0000ma" } })));
    await expect400(response, "params.maType");
  });

  it("names are trimmed and bounded; control characters and blank names are refused", () => {
    const name = userText({ max: 80 });
    expect(name.parse("  MA BTC  ")).toBe("MA BTC");
    expect(name.safeParse("   ").success).toBe(false);
    expect(name.safeParse("a\nb").success).toBe(false);
    expect(name.safeParse("x".repeat(81)).success).toBe(false);
    expect(name.parse("Ünïcödé 😀")).toBe("Ünïcödé 😀");
    expect(findBadText({ ok: ["fine", { "k\u0000": 1 }] })).toEqual({ path: "ok.1.k\u0000", message: expect.stringContaining("NUL") });
  });
});

describe("capital of 1e23 to 1e308 is a 400 naming the field", () => {
  it.each([1e23, 1e100, 1e308])("POST /api/strategies with capital %d", async (capital) => {
    await expect400(await call("strategies/route.ts", "POST", bearer("POST", "/api/strategies", strategyBody({ capital }))), "capital");
  });

  it.each([1e23, 1e308])("PATCH /api/strategies/{id} with capital %d", async (capital) => {
    await expect400(await call("strategies/[id]/route.ts", "PATCH", bearer("PATCH", "/api/strategies/str_1", { capital }), { id: "str_1" }), "capital");
  });

  it.each([
    ["capital", 1e23],
    ["maxPositionQuote", 1e308],
    ["profitTarget", 1e25],
    ["maxLoss", 1e30],
  ])("POST /api/sessions with %s %d", async (field, value) => {
    await expect400(await call("sessions/route.ts", "POST", bearer("POST", "/api/sessions", { [field]: value })), field);
    expect(sessionCreate).not.toHaveBeenCalled();
  });
});

describe("%00 in a query is a 400 naming the parameter", () => {
  it.each([
    ["trades/export/route.ts", "/api/trades/export?symbol=%00", "symbol"],
    ["trades/export/route.ts", "/api/trades/export?format=csv&strategy=a%00b", "strategy"],
    ["risk/events/route.ts", "/api/risk/events?kind=%00", "kind"],
  ])("%s %s", async (file, url, field) => {
    await expect400(await call(file, "GET", bearer("GET", url)), field);
  });
});

describe("%00 in a path parameter is a 400 naming the parameter (the fuzz campaign found four 500s)", () => {
  it.each([
    ["strategies/[id]/route.ts", "PATCH", "/api/strategies/a%00b", { id: "a\u0000b" }],
    ["backtests/[id]/route.ts", "DELETE", "/api/backtests/a%00b", { id: "a\u0000b" }],
    ["positions/[id]/close/route.ts", "POST", "/api/positions/a%01b/close", { id: "a\u0001b" }],
  ] as const)("%s %s", async (file, method, url, params) => {
    await expect400(await call(file, method, bearer(method, url, method === "PATCH" ? { name: "x" } : undefined), params), "id");
  });
});

describe("a 500 that still creates a running strategy: a refused mutation writes nothing", () => {
  it("POST /api/strategies with a lone surrogate in the name and status active creates and starts nothing, twice", async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await call("strategies/route.ts", "POST", bearer("POST", "/api/strategies", strategyBody({ name: "Lone \ud800", status: "active" })));
      await expect400(response, "name");
    }
    expect(await handle.db.prisma.strategyInstance.count()).toBe(0);
    expect(started).not.toHaveBeenCalled();
    expect(audit).not.toHaveBeenCalled();
  });

  it("the same request with a sound name creates, starts and audits exactly one strategy (the harness is real)", async () => {
    const response = await call("strategies/route.ts", "POST", bearer("POST", "/api/strategies", strategyBody({ name: "  Sound name  " })));
    expect(response.status).toBe(201);
    const rows = await handle.db.prisma.strategyInstance.findMany();
    expect(rows.map((r) => r.name)).toEqual(["Sound name"]);
    expect(started).toHaveBeenCalledTimes(1);
    expect(audit).toHaveBeenCalledTimes(1);
  });

  it("PATCH /api/strategies/{id} with a bad name or capital leaves the stored strategy as it was", async () => {
    const row = await handle.db.prisma.strategyInstance.create({
      data: { id: "str_keep", name: "Keep me", kind: "ma_crossover", params: {}, symbols: ["BTC/USDT"], timeframe: "5m", capital: "500", status: "paused" },
    });
    await expect400(await call("strategies/[id]/route.ts", "PATCH", bearer("PATCH", "/api/strategies/str_keep", { name: "x\u0000", status: "active" }), { id: row.id }), "name");
    await expect400(await call("strategies/[id]/route.ts", "PATCH", bearer("PATCH", "/api/strategies/str_keep", { capital: 1e300, status: "active" }), { id: row.id }), "capital");
    const after = await handle.db.prisma.strategyInstance.findUniqueOrThrow({ where: { id: row.id } });
    expect({ name: after.name, status: after.status, capital: String(after.capital) }).toEqual({ name: "Keep me", status: "paused", capital: "500" });
    expect(started).not.toHaveBeenCalled();
  });
});
