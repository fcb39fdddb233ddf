import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hmacHex } from "../auth";
import { BINANCE_RATE_LIMITS, RateLimiter, requestWeight } from "../rate-limits";
import { startSimulator, type SimulatorHandle } from "../server";

/**
 * Issue 14: the simulator enforces Binance's REST rate limits with Binance's headers and errors
 * (-1003 / -1015, Retry-After, 418 after ignored 429s), tells the real time, and answers in
 * microseconds when asked to (X-MBX-TIME-UNIT).
 */

describe("rate limiter windows (Binance's rules on a manual clock)", () => {
  const T = Date.UTC(2026, 0, 5, 10, 0, 0);

  it("the 101st new order in 10 seconds is refused with -1015 and Retry-After; the next window accepts again", () => {
    let now = T + 1_000;
    const limiter = new RateLimiter(BINANCE_RATE_LIMITS, () => now);
    for (let i = 1; i <= 100; i++) {
      const d = limiter.admit("1.2.3.4", 1, 1, "key");
      expect(d.ok).toBe(true);
      expect(d.headers["X-MBX-ORDER-COUNT-10S"]).toBe(String(i));
    }
    const refused = limiter.admit("1.2.3.4", 1, 1, "key");
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error.toJSON()).toEqual({ code: -1015, msg: "Too many new orders; current limit is 100 orders per 10 SECOND." });
    expect(refused.error.httpStatus).toBe(429);
    expect(refused.headers["Retry-After"]).toBe("9");
    now = T + 10_000;
    const next = limiter.admit("1.2.3.4", 1, 1, "key");
    expect(next.ok).toBe(true);
    expect(next.headers["X-MBX-ORDER-COUNT-10S"]).toBe("1");
    expect(next.headers["X-MBX-ORDER-COUNT-1D"]).toBe("102");
  });

  it("over 6000 weight a minute is -1003; requests that ignore the Retry-After earn a 418 ban", () => {
    let now = T + 30_000;
    const limiter = new RateLimiter(BINANCE_RATE_LIMITS, () => now);
    for (let i = 0; i < 300; i++) expect(limiter.admit("ip", 20, 0, undefined).ok).toBe(true);
    expect(limiter.usedWeight("ip")).toBe(6000);
    const limited = limiter.admit("ip", 20, 0, undefined);
    expect(limited.ok).toBe(false);
    if (limited.ok) return;
    expect(limited.error.code).toBe(-1003);
    expect(limited.error.httpStatus).toBe(429);
    expect(limited.error.msg).toContain("current limit is 6000 request weight per 1 MINUTE");
    expect(limited.headers["Retry-After"]).toBe("30");
    // Keep sending during the back-off: 429, 429, then the ban.
    now += 1_000;
    expect(limiter.admit("ip", 1, 0, undefined)).toMatchObject({ ok: false, error: { httpStatus: 429 } });
    expect(limiter.admit("ip", 1, 0, undefined)).toMatchObject({ ok: false, error: { httpStatus: 429 } });
    const ban = limiter.admit("ip", 1, 0, undefined);
    expect(ban).toMatchObject({ ok: false, error: { httpStatus: 418, code: -1003 } });
    if (!ban.ok) expect(ban.error.msg).toMatch(/^Way too much request weight used; IP banned until \d+\./);
    // Still banned after the minute rolls over; free again when the 2-minute ban ends.
    now += 60_000;
    expect(limiter.admit("ip", 1, 0, undefined)).toMatchObject({ ok: false, error: { httpStatus: 418 } });
    now += 61_000;
    expect(limiter.admit("ip", 1, 0, undefined).ok).toBe(true);
  });

  it("a client that waits out the Retry-After is never banned", () => {
    let now = T;
    const limiter = new RateLimiter({ ...BINANCE_RATE_LIMITS, requestWeightPerMinute: 10 }, () => now);
    for (let round = 0; round < 5; round++) {
      let decision = limiter.admit("ip", 4, 0, undefined);
      while (decision.ok) decision = limiter.admit("ip", 4, 0, undefined);
      expect(decision.error.httpStatus).toBe(429);
      now += Number(decision.headers["Retry-After"]) * 1000;
    }
    expect(limiter.admit("ip", 1, 0, undefined).ok).toBe(true);
  });

  it("endpoint weights follow Binance's table", () => {
    const p = (o: Record<string, string> = {}) => new Map(Object.entries(o));
    expect(requestWeight("GET", "/api/v3/exchangeInfo", p())).toBe(20);
    expect(requestWeight("GET", "/api/v3/depth", p({ limit: "1000" }))).toBe(50);
    expect(requestWeight("GET", "/api/v3/openOrders", p())).toBe(80);
    expect(requestWeight("GET", "/api/v3/openOrders", p({ symbol: "BTCUSDT" }))).toBe(6);
    expect(requestWeight("POST", "/api/v3/order", p())).toBe(1);
    expect(requestWeight("GET", "/api/v3/account", p())).toBe(20);
  });
});

describe("the simulator over HTTP", () => {
  let sim: SimulatorHandle;

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, historyDays: 0, symbols: ["BTC/USDT"], seed: 5, rateLimits: { ordersPer10s: 5 } });
  });
  afterAll(async () => {
    await sim.close();
  });

  async function signed(method: string, path: string, params: Record<string, string>, headers: Record<string, string> = {}) {
    const query = new URLSearchParams({ ...params, timestamp: params.timestamp ?? String(Date.now()) }).toString();
    const signature = hmacHex(sim.defaultAccount.secret, query);
    return fetch(`${sim.restUrl}${path}?${query}&signature=${signature}`, { method, headers: { "X-MBX-APIKEY": sim.defaultAccount.apiKey, ...headers } });
  }

  it("every answer reports the used weight; order answers report the order count", async () => {
    const a = await fetch(`${sim.restUrl}/api/v3/exchangeInfo`);
    const first = Number(a.headers.get("x-mbx-used-weight-1m"));
    expect(first).toBeGreaterThanOrEqual(20);
    const b = await fetch(`${sim.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=100`);
    const second = Number(b.headers.get("x-mbx-used-weight-1m"));
    // Unless the minute rolled over in between, the depth call added its weight of 5.
    expect(second === first + 5 || second === 5).toBe(true);
    const info = (await a.json()) as { rateLimits: Array<{ rateLimitType: string; limit: number; interval: string }> };
    expect(info.rateLimits).toContainEqual({ rateLimitType: "ORDERS", interval: "SECOND", intervalNum: 10, limit: 5 });
  });

  it("the sixth order in 10 seconds (limit 5 here) is a 429 with -1015 and Retry-After", async () => {
    // Start early in a 10-second window, so the burst does not straddle two windows.
    await expect.poll(() => Date.now() % 10_000 < 6_000, { timeout: 10_000, interval: 50 }).toBe(true);
    const answers = [];
    for (let i = 0; i < 6; i++) {
      answers.push(await signed("POST", "/api/v3/order", { symbol: "BTCUSDT", side: "BUY", type: "LIMIT", timeInForce: "GTC", quantity: "0.001", price: String(Math.round(sim.lastPrice("BTC/USDT") * 0.8)) }));
    }
    expect(answers.slice(0, 5).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.slice(0, 5).map((r) => r.headers.get("x-mbx-order-count-10s"))).toEqual(["1", "2", "3", "4", "5"]);
    const last = answers[5];
    expect(last.status).toBe(429);
    expect(await last.json()).toEqual({ code: -1015, msg: "Too many new orders; current limit is 5 orders per 10 SECOND." });
    expect(Number(last.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("serverTime is the real time at speed 1, and transactTime never precedes the request", async () => {
    const before = Date.now();
    const { serverTime } = (await (await fetch(`${sim.restUrl}/api/v3/time`)).json()) as { serverTime: number };
    const after = Date.now();
    expect(serverTime).toBeGreaterThanOrEqual(before);
    expect(serverTime).toBeLessThanOrEqual(after);
  });

  it("X-MBX-TIME-UNIT: MICROSECOND answers in microseconds and accepts a microsecond timestamp", async () => {
    const before = Date.now();
    const t = await fetch(`${sim.restUrl}/api/v3/time`, { headers: { "X-MBX-TIME-UNIT": "MICROSECOND" } });
    expect(t.headers.get("x-mbx-time-unit")).toBe("MICROSECOND");
    const { serverTime } = (await t.json()) as { serverTime: number };
    expect(serverTime).toBeGreaterThanOrEqual(before * 1000);
    expect(serverTime).toBeLessThan((Date.now() + 1) * 1000);
    const klines = (await (await fetch(`${sim.restUrl}/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1`, { headers: { "X-MBX-TIME-UNIT": "microsecond" } })).json()) as number[][];
    expect(klines[0][6] - klines[0][0]).toBe(59_999_999);
    const account = await signed("GET", "/api/v3/account", { timestamp: String(Date.now() * 1000) }, { "X-MBX-TIME-UNIT": "MICROSECOND" });
    expect(account.status).toBe(200);
    const body = (await account.json()) as { updateTime: number };
    expect(body.updateTime).toBeGreaterThan(1e15);
    const bad = await fetch(`${sim.restUrl}/api/v3/time`, { headers: { "X-MBX-TIME-UNIT": "NANOSECOND" } });
    expect(bad.status).toBe(400);
  });
});

describe("requests already on their way when the 429 was sent", () => {
  it("are refused again but do not count towards a ban", () => {
    let now = Date.UTC(2026, 0, 5, 10, 0, 30);
    const limiter = new RateLimiter({ ...BINANCE_RATE_LIMITS, requestWeightPerMinute: 10 }, () => now);
    for (let i = 0; i < 10; i++) limiter.admit("ip", 1, 0, undefined);
    // A burst of 10 parallel requests arriving together: the first gets the 429, the rest were in flight.
    const answers = Array.from({ length: 10 }, () => limiter.admit("ip", 1, 0, undefined));
    expect(answers.every((a) => !a.ok && a.error.httpStatus === 429)).toBe(true);
    now += 500;
    expect(limiter.admit("ip", 1, 0, undefined)).toMatchObject({ ok: false, error: { httpStatus: 429 } });
    expect(limiter.refused.bans418).toBe(0);
  });
});
