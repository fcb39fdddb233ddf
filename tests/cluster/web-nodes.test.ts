import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { io as ioClient, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterKeys } from "../../server/cluster/keys";

/**
 * Issue 19: web nodes apart from the engine. One engine (the real entry point, `ROLE=engine
 * server/index.ts`) and two web nodes (tests/cluster/fixtures/web-node.ts: the real web-node services,
 * route handlers and feed, without the Next build) as separate processes on the machine's Redis
 * (TEST_REDIS_URL, default redis://127.0.0.1:6379) and PostgreSQL (TEST_DATABASE_URL, default
 * postgresql://postgres@127.0.0.1:5432/test, a fresh database per run). Skipped with a message when
 * either is absent. Every wait is for a condition.
 */
const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const pgUrl = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const reachable = (url: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const u = new URL(url);
    const socket = connect({ host: u.hostname, port: Number(u.port || port) });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.setTimeout(2_000, () => (socket.destroy(), resolve(false)));
  });
const haveRedis = await reachable(redisUrl, 6379);
const havePg = await reachable(pgUrl, 5432);
if (!haveRedis) console.warn(`web nodes apart from the engine: skipped, no Redis at ${new URL(redisUrl).host} (set TEST_REDIS_URL)`);
if (!havePg) console.warn(`web nodes apart from the engine: skipped, no PostgreSQL at ${new URL(pgUrl).host} (set TEST_DATABASE_URL)`);

const root = path.resolve(import.meta.dirname, "../..");
const TOKEN = "cluster-test-static-token-0123456789abcdef0123";
const MASTER_KEY = "ab".repeat(32);
const prefix = `tk-cluster-${process.pid}-${Date.now().toString(36)}`;
const keys = clusterKeys(prefix);
const dbName = `tradekeel_cluster_${process.pid}`;
/** The defaults (10 s, 3 s) but a longer kill switch confirmation: a shared 2-core machine can be slow. */
const COMMAND_TIMEOUT_MS = 10_000;
const KILL_SWITCH_CONFIRM_MS = 5_000;

const until = async <T,>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 90_000, everyMs = 100): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
};

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ["--import", "tsx", ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

describe("start-up of a role apart", () => {
  it("ROLE=engine without REDIS_URL stops at start and names REDIS_URL and the fix", async () => {
    const proc = start(["server/index.ts"], { ROLE: "engine", REDIS_URL: "", DATABASE_URL: "", DATA_DIR: mkdtempSync(path.join(tmpdir(), "tk-role-")), LOG_LEVEL: "silent" });
    expect(await proc.exited, proc.output()).toBe(1);
    expect(proc.output()).toMatch(/ROLE=engine: an engine apart from its web nodes \(ROLE=engine\) reaches the other side through Redis, and REDIS_URL is not set; fix: set REDIS_URL=redis:\/\/host:6379/);
  }, 120_000);

  it("ROLE=web with REDIS_URL but no DATABASE_URL stops at start and names DATABASE_URL and the fix", async () => {
    const proc = start(["server/index.ts"], { ROLE: "web", REDIS_URL: "redis://127.0.0.1:6379", DATABASE_URL: "", DATA_DIR: mkdtempSync(path.join(tmpdir(), "tk-role-")), LOG_LEVEL: "silent" });
    expect(await proc.exited, proc.output()).toBe(1);
    expect(proc.output()).toMatch(/DATABASE_URL is not set/);
    expect(proc.output()).toMatch(/fix: set DATABASE_URL=postgresql:\/\//);
  }, 120_000);
});

describe.skipIf(!haveRedis || !havePg)("an engine and two web nodes as separate processes", () => {
  const dataDirs: string[] = [];
  let admin: pg.Client;
  let redis: Redis;
  let targetUrl: string;
  let engine: Proc;
  const webs: Array<Proc & { url: string }> = [];
  const sockets: Socket[] = [];

  const env = () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "tk-cluster-"));
    dataDirs.push(dataDir);
    return {
      REDIS_URL: redisUrl,
      DATABASE_URL: targetUrl,
      TRADEKEEL_QUEUE_PREFIX: prefix,
      TRADEKEEL_API_TOKEN: TOKEN,
      TRADEKEEL_MASTER_KEY: MASTER_KEY,
      DATA_DIR: dataDir,
      TRADING_MODE: "paper",
      AUTO_START: "false",
      SIM_SPEED: "60",
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "warn",
      NODE_ENV: "production",
    };
  };

  /** The processes' output, for a failure's message. */
  const logs = () => [`engine:\n${engine?.output().slice(-4000)}`, ...webs.map((w, i) => `web ${i + 1}:\n${w.output().slice(-4000)}`)].join("\n");

  const api = async (web: number, method: string, pathname: string, body?: unknown) => {
    const res = await fetch(`${webs[web]!.url}${pathname}`, {
      method,
      headers: { Authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, any> };
  };

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${dbName}`);
    const u = new URL(pgUrl);
    u.pathname = `/${dbName}`;
    targetUrl = u.toString();
    redis = new Redis(redisUrl, { maxRetriesPerRequest: null });

    // The engine first: it applies the migrations the web nodes rely on.
    engine = start(["server/index.ts"], { ...env(), ROLE: "engine" });
    await until(`the engine's first status snapshot (engine output: ${engine.output()})`, async () => (await redis.exists(keys.status)) === 1, 240_000, 250);
    for (let i = 0; i < 2; i++) {
      const proc = start(["tests/cluster/fixtures/web-node.ts"], { ...env(), ROLE: "web", TEST_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS), TEST_KILL_SWITCH_CONFIRM_MS: String(KILL_SWITCH_CONFIRM_MS) });
      const url = await until(`web node ${i + 1} listening`, () => /READY (\S+)/.exec(proc.output())?.[1], 180_000, 100).catch((err) => {
        throw new Error(`${(err as Error).message}\n${proc.output()}`);
      });
      webs.push({ ...proc, url });
    }
  }, 480_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const p of [...webs, engine].filter(Boolean)) {
      p.child.kill("SIGCONT");
      p.child.kill("SIGTERM");
    }
    await Promise.all([...webs, engine].filter(Boolean).map((p) => Promise.race([p.exited, new Promise((r) => setTimeout(r, 20_000))])));
    for (const p of [...webs, engine].filter(Boolean)) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    if (redis) {
      const found = await redis.keys(`${prefix}:*`);
      if (found.length) await redis.del(...found);
      redis.disconnect();
    }
    await admin?.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    await admin?.end();
    for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
  }, 60_000);

  const connectFeed = async (web: number) => {
    const socket = ioClient(webs[web]!.url, { path: "/socket.io", transports: ["websocket"], auth: { token: TOKEN }, reconnection: false });
    sockets.push(socket);
    const candles: Array<{ seq: number; openTime: number; close: number }> = [];
    const orders: Array<{ id: string; status: string }> = [];
    socket.on("candle", (ev: { symbol: string; timeframe: string; seq: number; candle: { closed: boolean; openTime: number; close: number } }) => {
      if (ev.symbol === "BTC/USDT" && ev.timeframe === "1m" && ev.candle.closed) candles.push({ seq: ev.seq, openTime: ev.candle.openTime, close: ev.candle.close });
    });
    socket.on("order", (o: { id: string; clientOrderId?: string; status: string }) => orders.push({ id: o.clientOrderId ?? o.id, status: o.status }));
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", (err) => reject(err));
    });
    const ack = await socket.timeout(10_000).emitWithAck("subscribe", { candles: [{ symbol: "BTC/USDT", timeframe: "1m" }] });
    return { socket, candles, orders, ackSeq: (ack as { candles: Array<{ seq: number }> }).candles[0]!.seq };
  };

  it("a client on each web node sees the same closed candles, in order, and an order POSTed to web node 2 is placed by the engine, answered and seen by both", async () => {
    const a = await connectFeed(0);
    const b = await connectFeed(1);
    // Five closed candles on both, numbered without a gap from where each client's subscription began.
    await until("5 closed candles on both web nodes", () => a.candles.length >= 5 && b.candles.length >= 5, 120_000);
    for (const feed of [a, b]) {
      expect(feed.candles[0]!.seq).toBeGreaterThan(feed.ackSeq - 1);
      feed.candles.forEach((c, i) => i > 0 && expect(c.seq, JSON.stringify(feed.candles)).toBe(feed.candles[i - 1]!.seq + 1));
    }
    const common = a.candles.filter((c) => b.candles.some((d) => d.seq === c.seq));
    expect(common.length).toBeGreaterThanOrEqual(3);
    for (const c of common) expect(b.candles.find((d) => d.seq === c.seq)).toEqual(c);

    // The engine's answer, through web node 2: the same 201 and body as in one process.
    const price = a.candles.at(-1)!.close;
    const placed = await until(
      "the engine to accept a manual order (warm-up)",
      async () => {
        const r = await api(1, "POST", "/api/orders", { symbol: "BTC/USDT", side: "buy", type: "market", quantity: Number((200 / price).toFixed(5)) });
        if (r.status === 201) return r;
        // Only a refusal (warm-up) is retried: anything else may have placed an order.
        if (r.status !== 422) throw new Error(`${JSON.stringify(r)}\n${logs()}`);
        return undefined;
      },
      60_000,
      500,
    );
    expect(placed.body.order.symbol).toBe("BTC/USDT");
    expect(placed.body.riskChecks.length).toBeGreaterThan(0);
    const orderId: string = placed.body.order.clientOrderId ?? placed.body.order.id;
    await until("the order filled on both feeds", () => [a, b].every((f) => f.orders.some((o) => o.id === orderId && o.status === "filled")), 60_000);
    const seen = (f: typeof a) => f.orders.filter((o) => o.id === orderId).map((o) => o.status);
    expect(seen(a)).toEqual(seen(b));
    // Web node 1 reads it from the engine too.
    const listed = await api(0, "GET", "/api/orders?status=all");
    expect(listed.status, `${JSON.stringify(listed.body)}\n${logs()}`).toBe(200);
    expect((listed.body as unknown as Array<{ clientOrderId?: string; id: string }>).some((o) => (o.clientOrderId ?? o.id) === orderId)).toBe(true);
    const positions = await api(0, "GET", "/api/positions");
    expect(positions.status, `${JSON.stringify(positions.body)}\n${logs()}`).toBe(200);
    expect((positions.body as unknown as Array<{ symbol: string }>).some((p) => p.symbol === "BTC/USDT")).toBe(true);
    // An error is the engine's too: the same status and code.
    const refused = await api(1, "POST", "/api/orders", { symbol: "NOPE/USDT", side: "buy", type: "market", quantity: 1 });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("UNKNOWN_SYMBOL");
    // Status comes from the engine's snapshot on either node.
    const status = await api(1, "GET", "/api/status");
    expect(status.status).toBe(200);
    expect(status.body.mode).toBe("paper");
  }, 300_000);

  it("the kill switch from web node 1 runs on the engine and flattens every position", async () => {
    const open = await api(0, "GET", "/api/positions");
    expect((open.body as unknown as unknown[]).length, JSON.stringify(open.body)).toBeGreaterThan(0);
    const res = await api(0, "POST", "/api/kill-switch", { action: "flatten", confirm: true });
    expect(res.status).toBe(202);
    // Confirmed within the web node's 3 s when the engine keeps up; on a loaded machine the answer can be
    // "sent, not yet confirmed" (the engine runs it when it reads the urgent stream): completion is what counts.
    if (res.body.status.confirmed !== true) expect(res.body.status.commandId, JSON.stringify(res.body)).toEqual(expect.any(String));
    const done = await until(
      "the kill switch completed",
      async () => {
        const r = await api(1, "GET", "/api/kill-switch");
        // Completed or incomplete: either ends the run, and an incomplete one says what is left.
        return r.status === 200 && (r.body.status.phase === "completed" || r.body.status.phase === "incomplete") ? r.body.status : undefined;
      },
      120_000,
      250,
    );
    expect(done.phase, JSON.stringify(done)).toBe("completed");
    expect(done.flatConfirmed).toBe(true);
    expect(done.positionsClosed).toBeGreaterThan(0);
    // The venue confirmed flat; the ledger books the closing fills as their reports arrive (a moment later under load).
    await until(
      "the engine's positions are flat",
      async () => {
        const after = await api(1, "GET", "/api/positions");
        return after.status === 200 && Array.isArray(after.body) && after.body.length === 0 ? true : undefined;
      },
      60_000,
      250,
    );
    const reset = await api(1, "POST", "/api/kill-switch/reset", { confirm: true });
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
  }, 180_000);

  it("the dashboard's insights panel on either web node shows the engine's insights, and the engine's refusal of a market it does not trade", async () => {
    for (const web of [0, 1]) {
      const r = await api(web, "GET", "/api/insights?symbol=BTC%2FUSDT&timeframe=5m");
      expect(r.status, `${JSON.stringify(r.body)}\n${logs()}`).toBe(200);
      expect(r.body.symbol).toBe("BTC/USDT");
      expect(r.body.timeframe).toBe("5m");
      expect(Array.isArray(r.body.reasons)).toBe(true);
      expect(typeof r.body.modelStatus).toBe("string");
      const models = await api(web, "GET", "/api/insights/models?symbol=BTC%2FUSDT");
      expect(models.status, JSON.stringify(models.body)).toBe(200);
      expect(Array.isArray(models.body)).toBe(true);
    }
    const unknown = await api(1, "GET", "/api/insights?symbol=NOPE%2FUSDT");
    expect(unknown.status, JSON.stringify(unknown.body)).toBe(404);
    expect(unknown.body.error.code).toBe("UNKNOWN_SYMBOL");
  }, 120_000);

  it("while the engine does not answer: an order is a 504 that never runs later, a read waits and is answered, the kill switch a 202 'sent, not yet confirmed' that runs as soon as the engine reads again", async () => {
    const before = await api(0, "GET", "/api/orders?status=all");
    const ordersBefore = (before.body as unknown as unknown[]).length;
    engine.child.kill("SIGSTOP");
    let resumed = false;
    try {
      // A read sent at the same moment waits longer than a mutation (READ_TIMEOUT_MS): answered once the engine resumes.
      const readDuringStall = api(1, "GET", "/api/positions");
      const order = await api(0, "POST", "/api/orders", { symbol: "BTC/USDT", side: "buy", type: "market", quantity: 0.001 });
      expect(order.status, JSON.stringify(order.body)).toBe(504);
      expect(order.body.error.code).toBe("ENGINE_TIMEOUT");
      const orderCommand: string = order.body.error.details.commandId;

      const kill = await api(1, "POST", "/api/kill-switch", { action: "stop-entries", confirm: true });
      expect(kill.status).toBe(202);
      expect(kill.body.status.confirmed).toBe(false);
      expect(kill.body.status.message).toMatch(/not yet confirmed/);
      const killCommand: string = kill.body.status.commandId;
      expect((await api(1, "GET", `/api/commands/${killCommand}`)).body.state).toBe("queued");

      engine.child.kill("SIGCONT");
      resumed = true;
      const read = await readDuringStall;
      expect(read.status, `a read sent while the engine stalled ${COMMAND_TIMEOUT_MS / 1000}+ s: ${JSON.stringify(read.body)}`).toBe(200);
      expect(Array.isArray(read.body)).toBe(true);
      const ran = await until(
        "the engine to run the waiting kill switch",
        async () => {
          const r = await api(0, "GET", `/api/commands/${killCommand}`);
          return r.body?.state === "done" ? r.body : undefined;
        },
        60_000,
        200,
      );
      expect(ran.status).toBe("ok");
      expect(ran.result.action).toBe("stop-entries");
      // The order the user was told "not run" was not run.
      expect((await api(0, "GET", `/api/commands/${orderCommand}`)).body.state).toBe("expired");
      const after = await until("the engine answering again", async () => {
        const r = await api(0, "GET", "/api/orders?status=all");
        return r.status === 200 ? r : undefined;
      });
      expect((after.body as unknown as unknown[]).length).toBe(ordersBefore);
      const state = await until("trading state after the stop", async () => {
        const r = await api(1, "GET", "/api/status");
        return r.status === 200 && r.body.tradingState !== "ACTIVE" ? r.body.tradingState : undefined;
      });
      expect(["REDUCING", "HALTED"]).toContain(state);
    } finally {
      if (!resumed) engine.child.kill("SIGCONT");
    }
    const reset = await until("reset", async () => {
      const r = await api(1, "POST", "/api/kill-switch/reset", { confirm: true });
      return r.status === 200 ? r : undefined;
    });
    expect(reset.status).toBe(200);
  }, 180_000);

  it("the kill switch jumps a backlog of 20000 commands: confirmed while they still wait", async () => {
    const pipe = redis.pipeline();
    const now = Date.now();
    for (let i = 0; i < 20_000; i++) {
      const request = { id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`, path: "positions.list", args: [], urgent: false, node: "backlog", sentAt: now, expiresAt: now + 600_000 };
      pipe.xadd(keys.normalStream, "*", "data", JSON.stringify(request));
    }
    await pipe.exec();
    const res = await api(1, "POST", "/api/kill-switch", { action: "stop-entries", confirm: true });
    const waiting = await redis.xlen(keys.normalStream);
    expect(res.status).toBe(202);
    expect(res.body.status.confirmed, JSON.stringify(res.body)).toBe(true);
    expect(waiting).toBeGreaterThan(0);
    await api(1, "POST", "/api/kill-switch/reset", { confirm: true });
  }, 120_000);
});
