import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterKeys } from "../../server/cluster/keys";

/**
 * Issue 19: the dashboard's Reconciliation, Drift, Go live and Alerts pages, and GET /metrics, on a web
 * node apart from the engine. One engine that serves its own API too (`ROLE=engine,web`) and one web node
 * (`ROLE=web`), both tests/cluster/fixtures/api-node.ts (the real services and route handlers, without the
 * Next build), as separate processes on the machine's Redis (TEST_REDIS_URL, default
 * redis://127.0.0.1:6379) and PostgreSQL (TEST_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test,
 * a fresh database per run); skipped with a message without either. The web node's answers are compared
 * with the engine's own; every wait is for a condition.
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
if (!haveRedis) console.warn(`engine pages from a web node: skipped, no Redis at ${new URL(redisUrl).host} (set TEST_REDIS_URL)`);
if (!havePg) console.warn(`engine pages from a web node: skipped, no PostgreSQL at ${new URL(pgUrl).host} (set TEST_DATABASE_URL)`);

const root = path.resolve(import.meta.dirname, "../..");
const TOKEN = "cluster-pages-static-token-0123456789abcdef0123";
const MASTER_KEY = "cd".repeat(32);
const prefix = `tk-pages-${process.pid}-${Date.now().toString(36)}`;
const keys = clusterKeys(prefix);
const dbName = `tradekeel_pages_${process.pid}`;

const until = async <T,>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 90_000, everyMs = 100): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
};

/** A JSON answer without its `at` fields (when it was computed), at any depth. */
const withoutAt = (value: unknown): unknown =>
  Array.isArray(value) ? value.map(withoutAt) : value && typeof value === "object" ? Object.fromEntries(Object.entries(value).filter(([k]) => k !== "at").map(([k, v]) => [k, withoutAt(v)])) : value;

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  url: string;
}

describe.skipIf(!haveRedis || !havePg)("the engine's pages from a web node apart from it", () => {
  const dataDirs: string[] = [];
  const procs: Proc[] = [];
  let admin: pg.Client;
  let redis: Redis;
  let targetUrl: string;
  let receiver: Server;
  let receiverUrl: string;
  const received: Array<{ body: string; signature: string | undefined }> = [];

  const start = async (name: string, role: string): Promise<Proc> => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "tk-pages-"));
    dataDirs.push(dataDir);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ROLE: role,
      // A shared 2-core machine can be slow: a longer wait for the engine than the default 10 s.
      TEST_COMMAND_TIMEOUT_MS: "30000",
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
    const child = spawn(process.execPath, ["--import", "tsx", "tests/cluster/fixtures/api-node.ts"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const proc = { child, output: () => output, exited, url: "" };
    procs.push(proc);
    proc.url = await until(`${name} serving`, () => (child.exitCode !== null ? Promise.reject(new Error(`${name} exited:\n${output}`)) : /READY (\S+)/.exec(output)?.[1]), 240_000, 100).catch((err) => {
      throw new Error(`${(err as Error).message}\n${output}`);
    });
    return proc;
  };

  let engine: Proc;
  let web: Proc;
  const logs = () => procs.map((p, i) => `${i === 0 ? "engine" : "web node"}:\n${p.output().slice(-4000)}`).join("\n");

  const api = async (node: Proc, method: string, pathname: string, body?: unknown) => {
    const res = await fetch(`${node.url}${pathname}`, {
      method,
      headers: { Authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Prometheus text
    }
    return { status: res.status, body: parsed, contentType: res.headers.get("content-type") };
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
    // Where the webhook alert channel delivers (the engine sends it).
    receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        received.push({ body, signature: req.headers["x-tradekeel-signature"] as string | undefined });
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

    // The engine first: it applies the migrations the web node relies on.
    engine = await start("the engine", "engine,web");
    await until("the engine's first status snapshot", async () => (await redis.exists(keys.status)) === 1, 120_000, 250);
    web = await start("the web node", "web");
    await until(`the web node seeing the engine\n${logs()}`, async () => (await api(web, "GET", "/api/status")).status === 200, 60_000, 250);
  }, 480_000);

  afterAll(async () => {
    for (const p of procs) p.child.kill("SIGTERM");
    await Promise.all(procs.map((p) => Promise.race([p.exited, new Promise((r) => setTimeout(r, 20_000))])));
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    receiver?.close();
    if (redis) {
      const found = await redis.keys(`${prefix}:*`);
      if (found.length) await redis.del(...found);
      redis.disconnect();
    }
    await admin?.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    await admin?.end();
    for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
  }, 60_000);

  it("Reconciliation, Drift, Go live and Alerts on the web node answer 200 with the engine's own data", async () => {
    for (const pathname of ["/api/reconciliation", "/api/drift?from=0&to=1000", "/api/go-live", "/api/alerts", "/api/alerts/channels"]) {
      const mine = await api(engine, "GET", pathname);
      const theirs = await api(web, "GET", pathname);
      expect(mine.status, `${pathname} on the engine: ${JSON.stringify(mine.body)}`).toBe(200);
      expect(theirs.status, `${pathname} on the web node: ${JSON.stringify(theirs.body)}\n${logs()}`).toBe(200);
      // The same answer, but for the moment it was computed (`at`, the market clock's time of each request).
      expect(withoutAt(theirs.body), pathname).toEqual(withoutAt(mine.body));
      expect(typeof mine.body).toBe("object");
    }
    // The benchmark moves with the market: the same period and symbols, each from the same first close.
    const mine = await api(engine, "GET", "/api/go-live/benchmark?mode=paper");
    const theirs = await api(web, "GET", "/api/go-live/benchmark?mode=paper");
    expect(theirs.status, JSON.stringify(theirs.body)).toBe(200);
    const period = (b: any) => ({ mode: b.mode, from: b.from, symbols: b.benchmark?.perSymbol?.map((p: { symbol: string; first: number }) => [p.symbol, p.first]) });
    expect(period(theirs.body)).toEqual(period(mine.body));
  }, 120_000);

  it("an error is the engine's too: a drift window that ends before it starts is the same 400 on the web node", async () => {
    const mine = await api(engine, "GET", "/api/drift?from=2000&to=1000");
    const theirs = await api(web, "GET", "/api/drift?from=2000&to=1000");
    expect(mine.status).toBe(400);
    expect(theirs).toEqual(mine);
  }, 60_000);

  it("ignoring a reconciliation row and acknowledging the go-live risk from the web node are applied by the engine", async () => {
    const panel = await api(web, "GET", "/api/reconciliation");
    const btc = (panel.body.rows as Array<{ key: string; status: string }>).find((r) => r.key === "asset:BTC");
    expect(btc, JSON.stringify(panel.body)).toMatchObject({ status: "unknown" });
    const refused = await api(web, "POST", "/api/reconciliation/actions", { key: "asset:BTC", action: "adopt" });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("ADOPT_STOP_REQUIRED");
    const ignored = await api(web, "POST", "/api/reconciliation/actions", { key: "asset:BTC", action: "ignore", reason: "held before the bot" });
    expect(ignored.status, JSON.stringify(ignored.body)).toBe(200);
    const onEngine = await api(engine, "GET", "/api/reconciliation");
    expect((onEngine.body.rows as Array<{ key: string; status: string }>).find((r) => r.key === "asset:BTC")).toMatchObject({ status: "ignored" });

    const before = await api(engine, "GET", "/api/go-live");
    const item = (body: { items: Array<{ id: string; figure: string; status?: string; passed?: boolean }> }) => body.items.find((i) => i.id === "risk_acknowledged");
    expect(item(before.body)?.figure).toBe("not acknowledged");
    const ack = await api(web, "POST", "/api/go-live/acknowledge");
    expect(ack.status, JSON.stringify(ack.body)).toBe(200);
    expect(ack.body.by).toBe("api-token:env");
    const after = await api(engine, "GET", "/api/go-live");
    expect(item(after.body)?.figure).not.toBe("not acknowledged");
    expect(withoutAt((await api(web, "GET", "/api/go-live")).body)).toEqual(withoutAt(after.body));
    // Audited once each, by the engine, with the web node's caller as the actor.
    const db = new pg.Client({ connectionString: targetUrl });
    await db.connect();
    try {
      const audited = await db.query(`SELECT action, actor FROM audit_log WHERE action IN ('reconciliation.ignore', 'golive.risk_acknowledged') ORDER BY action`);
      expect(audited.rows).toEqual([
        { action: "golive.risk_acknowledged", actor: "api-token:env" },
        { action: "reconciliation.ignore", actor: "api-token:env" },
      ]);
    } finally {
      await db.end();
    }
  }, 120_000);

  it("an alert channel added on the web node is the engine's, and its test send from the web node is delivered by the engine", async () => {
    const created = await api(web, "POST", "/api/alerts/channels", { kind: "webhook", name: "Ops hook", settings: { url: receiverUrl } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id: string = created.body.id;
    const listed = await api(engine, "GET", "/api/alerts/channels");
    expect((listed.body as Array<{ id: string; name: string }>).find((c) => c.id === id)).toMatchObject({ name: "Ops hook" });
    const renamed = await api(web, "PUT", `/api/alerts/channels/${id}`, { kind: "webhook", name: "Ops hook 2", settings: { url: receiverUrl } });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(((await api(engine, "GET", "/api/alerts/channels")).body as Array<{ id: string; name: string }>).find((c) => c.id === id)).toMatchObject({ name: "Ops hook 2" });
    const sent = await api(web, "POST", `/api/alerts/channels/${id}/test`);
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(sent.body.status, JSON.stringify(sent.body)).toBe("sent");
    await until("the test alert at the webhook", () => received.length > 0, 30_000);
    const unknown = await api(web, "POST", "/api/alerts/channels/nope/test");
    expect(unknown).toEqual(await api(engine, "POST", "/api/alerts/channels/nope/test"));
    expect(unknown.status).toBeGreaterThanOrEqual(400);
  }, 120_000);

  it("GET /metrics on the web node is the engine's Prometheus text", async () => {
    const mine = await api(engine, "GET", "/metrics");
    const theirs = await api(web, "GET", "/metrics");
    expect(mine.status).toBe(200);
    expect(theirs.status, String(theirs.body)).toBe(200);
    expect(theirs.contentType).toBe(mine.contentType);
    const families = (text: string) => [...new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]))].sort();
    expect(families(theirs.body as string)).toEqual(families(mine.body as string));
    expect(theirs.body as string).toMatch(/^tradekeel_build_info\{version="[^"]+"\} 1$/m);
    expect(theirs.body as string).toMatch(/^# TYPE tradekeel_candles_received_total counter$/m);
  }, 60_000);
});
