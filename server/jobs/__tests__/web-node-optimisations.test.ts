import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RELAXED_LIMITS, T0, randomWalk } from "../../backtest/__tests__/helpers";
import { createWebNode, type WebNode } from "../../cluster/web-node";
import { loadConfig } from "../../config";
import { openDatabase, type Database } from "../../db/database";
import { PrismaCandleStore } from "../../db/repositories/candle-store";
import { clearServices, registerServices } from "../../http/registry";
import { Queue } from "bullmq";
import { EvaluationStore } from "../evaluations";
import { SETS_QUEUE, bullConnection, type SetJobData } from "../queues";
import * as listRoute from "../../../app/api/optimisations/route";
import * as itemRoute from "../../../app/api/optimisations/[id]/route";

/**
 * Issue 19: optimisations started on a web node apart from the engine (ROLE=web). Two web nodes
 * (the real web-node services, server/cluster/web-node.ts) in this process and a real worker process
 * (`server/worker.ts` through tsx) on the machine's Redis (TEST_REDIS_URL, default
 * redis://127.0.0.1:6379) and PostgreSQL (TEST_DATABASE_URL, default
 * postgresql://postgres@127.0.0.1:5432/test; a fresh database for the run). The requests go through the
 * real route handlers of app/api/optimisations, with the services of the node they are sent to
 * registered. Skipped, with a message, when Redis or PostgreSQL is absent. No engine runs at all.
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
if (!haveRedis) console.warn(`optimisations on web nodes: skipped, no Redis at ${new URL(redisUrl).host} (set TEST_REDIS_URL)`);
if (!havePg) console.warn(`optimisations on web nodes: skipped, no PostgreSQL at ${new URL(pgUrl).host} (set TEST_DATABASE_URL)`);

const root = path.resolve(import.meta.dirname, "../../..");
const prefix = `tk-webopt-${process.pid}-${Date.now().toString(36)}`;
const dbName = `tradekeel_webopt_${process.pid}`;
const TOKEN = "web-optimisation-static-token-0123456789abcdef";
const CANDLES = 6_000;
const logger = pino({ level: "silent" });

const until = async <T,>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 90_000, everyMs = 100): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
};

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.skipIf(!haveRedis || !havePg)("optimisations from web nodes apart from the engine (ROLE=web)", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "tk-webopt-"));
  let admin: pg.Client;
  let db: Database;
  let targetUrl: string;
  let worker: { child: ChildProcess; name: string; output: string; exited: Promise<number | null> } | undefined;
  const nodes: WebNode[] = [];
  let store: EvaluationStore;

  /** A request to the route handlers as web node `node` serves them. */
  async function call(node: WebNode, method: "GET" | "POST" | "DELETE", url: string, body?: unknown): Promise<{ status: number; json: Json }> {
    registerServices(node.services);
    const req = new Request(`http://127.0.0.1${url}`, {
      method,
      headers: { Authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const id = url.split("/")[3];
    const handler = id ? itemRoute[method as "GET" | "DELETE"] : listRoute[method as "GET" | "POST"];
    const params: Record<string, string> = id ? { id } : {};
    const res = await handler(req, { params: Promise.resolve(params) });
    return { status: res.status, json: (await res.json()) as Json };
  }

  const base = {
    strategies: [{ kind: "ma_crossover", symbols: ["BTC/USDT"], timeframe: "5m" }],
    source: { type: "stored" },
    from: T0,
    to: T0 + CANDLES * 300_000,
    riskLimits: RELAXED_LIMITS,
  };
  const optimisation = (fast: number[], slow = 40) => ({ base, method: "grid", space: { fastPeriod: { values: fast }, slowPeriod: { values: [slow] } }, objective: "sharpe", minTrades: 0, top: 1000 });
  const range = (n: number, from = 3) => Array.from({ length: n }, (_, i) => from + i);

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName}`);
    await admin.query(`CREATE DATABASE ${dbName}`);
    const u = new URL(pgUrl);
    u.pathname = `/${dbName}`;
    targetUrl = u.toString();
    // What the engine does first in a cluster: apply the migrations (web nodes do not).
    db = await openDatabase({ url: targetUrl, dataDir, singleInstance: false });
    await new PrismaCandleStore(db.prisma, "simulator").saveClosed(randomWalk(CANDLES, { seed: 5, timeframe: "5m", volatility: 0.004 }));
    store = new EvaluationStore(db.prisma);

    const env = {
      ROLE: "web",
      REDIS_URL: redisUrl,
      DATABASE_URL: targetUrl,
      TRADEKEEL_QUEUE_PREFIX: prefix,
      TRADEKEEL_API_TOKEN: TOKEN,
      TRADEKEEL_MASTER_KEY: "cd".repeat(32),
      DATA_DIR: dataDir,
      VENUE: "simulator",
      LOG_LEVEL: "silent",
    };
    for (let i = 0; i < 2; i++) nodes.push(await createWebNode(loadConfig(env), logger));

    const child = spawn(process.execPath, ["--import", "tsx", "server/worker.ts"], {
      cwd: root,
      env: { ...process.env, REDIS_URL: redisUrl, DATABASE_URL: targetUrl, TRADEKEEL_QUEUE_PREFIX: prefix, DATA_DIR: dataDir, LOG_LEVEL: "warn", ROLE: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const w = { child, name: "", output: "", exited: new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code))) };
    child.stdout!.on("data", (d) => (w.output += d));
    child.stderr!.on("data", (d) => (w.output += d));
    worker = w;
    w.name = await until("the worker to start", () => (w.child.exitCode !== null ? Promise.reject(new Error(`worker exited:\n${w.output}`)) : /Tradekeel worker (\S+) on queue prefix/.exec(w.output)?.[1]), 90_000);
  }, 180_000);

  afterAll(async () => {
    clearServices();
    if (worker && worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill("SIGTERM");
    await worker?.exited;
    for (const node of nodes.splice(0)) await node.stop().catch(() => {});
    await db?.close();
    await admin?.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    await admin?.end();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it("an optimisation started on web node A runs on the worker, and web node B serves its progress, its report and the list", async () => {
    const [a, b] = nodes;
    const started = await call(a, "POST", "/api/optimisations", optimisation(range(6)));
    expect(started.status, JSON.stringify(started.json)).toBe(202);
    const id = started.json.id as string;

    const seen: Json[] = [];
    const done = await until(
      "the optimisation to finish, as web node B reports it",
      async () => {
        const r = await call(b, "GET", `/api/optimisations/${id}`);
        expect(r.status, JSON.stringify(r.json)).toBe(200);
        seen.push(r.json);
        return ["completed", "failed", "cancelled"].includes(r.json.status) ? r.json : undefined;
      },
      180_000,
    );
    expect(done.error).toBeNull();
    expect(done.status).toBe("completed");
    expect(done.progress).toEqual({ done: 6, total: 6, stage: "search" });
    expect(done.report.execution.mode).toBe("bullmq");
    expect(done.report.ranked.map((e: Json) => e.params.fastPeriod).sort((x: number, y: number) => x - y)).toEqual(range(6));
    expect(done.finishedAt).toBeGreaterThanOrEqual(done.createdAt);
    // The sets were run by the worker process, not by either web node.
    const rows = await store.list(id);
    expect(rows.map((r) => r.setIndex)).toEqual(range(6, 0));
    expect(new Set(rows.map((r) => r.worker))).toEqual(new Set([worker!.name]));
    // Node B saw it before it was over, too (queued or running), not only the end.
    expect(seen[0]!.status).not.toBe("completed");

    // Both nodes answer the same for the list and the item.
    const listB = await call(b, "GET", "/api/optimisations");
    expect(listB.json.items[0]).toMatchObject({ id, status: "completed", kind: "ma_crossover", best: done.report.best });
    expect(listB.json.items[0].report).toBeUndefined();
    expect((await call(a, "GET", `/api/optimisations/${id}`)).json).toEqual(done);
    // Cancelling a finished one changes nothing.
    expect((await call(b, "DELETE", `/api/optimisations/${id}`)).json).toEqual({ id, status: "completed", cancelled: false });
    // An unknown id is a 404 on any node.
    expect((await call(b, "GET", "/api/optimisations/opt_nope")).status).toBe(404);
  }, 240_000);

  it("cancelled on web node B while web node A runs it: its jobs leave the queue, nothing more is stored, both nodes say cancelled", async () => {
    const [a, b] = nodes;
    const started = await call(a, "POST", "/api/optimisations", optimisation(range(80, 3), 100));
    expect(started.status).toBe(202);
    const id = started.json.id as string;
    await until("a first stored set", async () => (await store.list(id)).length >= 1, 120_000);

    const cancelled = await call(b, "DELETE", `/api/optimisations/${id}`);
    expect(cancelled.json).toEqual({ id, status: "cancelled", cancelled: true });

    const sets = new Queue<SetJobData>(SETS_QUEUE, { connection: bullConnection(redisUrl), prefix });
    try {
      const ofRun = async () => (await sets.getJobs(["active", "waiting", "delayed", "prioritized"], 0, -1)).filter((j) => j?.data?.runId === id).length;
      await until("no job of the run left in the queue", async () => (await ofRun()) === 0, 30_000);
    } finally {
      await sets.close();
    }
    const stored = (await store.list(id)).length;
    // Every one of the 80 sets is valid (fast < slow): fewer stored means the rest never ran.
    expect(stored).toBeLessThan(80);
    // Web node A's own search stops too: past several of its writes (every 500 ms), the run is still
    // cancelled on both nodes (A never wrote "failed" or "completed" over B's cancel), nothing stored after.
    await new Promise((r) => setTimeout(r, 2_000));
    for (const node of [a, b]) expect((await call(node, "GET", `/api/optimisations/${id}`)).json).toMatchObject({ id, status: "cancelled", error: "cancelled" });
    expect((await store.list(id)).length).toBe(stored);
  }, 240_000);

  it("web node A stops while it coordinates a run: web node B reports it failed (interrupted), not running for ever", async () => {
    const [a, b] = nodes;
    const started = await call(a, "POST", "/api/optimisations", optimisation(range(80, 3), 100));
    expect(started.status).toBe(202);
    const id = started.json.id as string;
    await until("the run to be running", async () => (await call(b, "GET", `/api/optimisations/${id}`)).json.status === "running", 60_000);
    nodes.splice(0, 1);
    await a.stop();
    const after = await call(b, "GET", `/api/optimisations/${id}`);
    expect(after.json.status).toBe("failed");
    expect(after.json.error).toMatch(/^interrupted: the node that coordinated it \(.+\) stopped/);
  }, 120_000);
});
