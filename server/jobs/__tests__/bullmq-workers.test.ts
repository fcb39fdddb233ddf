import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BacktestService } from "../../backtest/service";
import { OptimisationJobs } from "../../backtest/optimise";
import { PrismaBacktestRunRepository } from "../../backtest/store";
import { RELAXED_LIMITS, T0, randomWalk } from "../../backtest/__tests__/helpers";
import { DEFAULT_RISK_LIMITS } from "../../config";
import { openDatabase, type Database } from "../../db/database";
import { PrismaCandleStore } from "../../db/repositories/candle-store";
import { EvaluationStore } from "../evaluations";
import { JobsClient } from "../client";

/**
 * Backtests and optimisations on BullMQ (issue 19) with real worker processes (`server/worker.ts`
 * through tsx) against the machine's Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379) and
 * PostgreSQL (TEST_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test; a fresh database is
 * created for the run). Skipped, with a message, when either is absent. Each run has its own
 * TRADEKEEL_QUEUE_PREFIX, so runs never see each other's jobs.
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
if (!haveRedis) console.warn(`BullMQ workers: skipped, no Redis at ${new URL(redisUrl).host} (set TEST_REDIS_URL)`);
if (!havePg) console.warn(`BullMQ workers: skipped, no PostgreSQL at ${new URL(pgUrl).host} (set TEST_DATABASE_URL)`);

const root = path.resolve(import.meta.dirname, "../../..");
const prefix = `tk-test-${process.pid}-${Date.now().toString(36)}`;
const dbName = `tradekeel_jobs_${process.pid}`;
const LOCK_MS = 2_000;
const CANDLES = 12_000;
const logger = pino({ level: "silent" });

interface WorkerProcess {
  child: ChildProcess;
  name: string;
  output: string;
  exited: Promise<number | null>;
}

const until = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 90_000, everyMs = 100) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
};

describe.skipIf(!haveRedis || !havePg)("backtests and optimisations on BullMQ workers", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "tk-jobs-"));
  let targetUrl: string;
  let admin: pg.Client;
  let db: Database;
  let client: JobsClient;
  let store: EvaluationStore;
  const candleStore = () => new PrismaCandleStore(db.prisma, "simulator");
  const workers: WorkerProcess[] = [];

  function startWorker(): Promise<WorkerProcess> {
    const child = spawn(process.execPath, ["--import", "tsx", "server/worker.ts"], {
      cwd: root,
      env: { ...process.env, REDIS_URL: redisUrl, DATABASE_URL: targetUrl, TRADEKEEL_QUEUE_PREFIX: prefix, TRADEKEEL_JOB_LOCK_MS: String(LOCK_MS), DATA_DIR: dataDir, LOG_LEVEL: "warn", ROLE: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const w: WorkerProcess = { child, name: "", output: "", exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))) };
    child.stdout!.on("data", (d) => (w.output += d));
    child.stderr!.on("data", (d) => (w.output += d));
    workers.push(w);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker did not start within 90 s:\n${w.output}`)), 90_000);
      const onData = () => {
        const m = /Tradekeel worker (\S+) on queue prefix/.exec(w.output);
        if (!m) return;
        clearTimeout(timer);
        child.stdout!.off("data", onData);
        w.name = m[1];
        resolve(w);
      };
      child.stdout!.on("data", onData);
      void w.exited.then((code) => reject(new Error(`worker exited (${code}) before it started:\n${w.output}`)));
    });
  }

  async function stopWorkers(): Promise<void> {
    for (const w of workers.splice(0)) {
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGTERM");
      await w.exited;
    }
  }

  const base = {
    strategies: [{ kind: "ma_crossover", symbols: ["BTC/USDT"], timeframe: "5m" }],
    source: { type: "stored" },
    from: T0,
    to: T0 + CANDLES * 300_000,
    riskLimits: RELAXED_LIMITS,
  };
  const optimisation = (fast: number[]) => ({ base, method: "grid", space: { fastPeriod: { values: fast }, slowPeriod: { values: [40] } }, objective: "sharpe", minTrades: 0, top: 1000 });
  const range = (n: number, from = 3) => Array.from({ length: n }, (_, i) => from + i);

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName}`);
    await admin.query(`CREATE DATABASE ${dbName}`);
    const u = new URL(pgUrl);
    u.pathname = `/${dbName}`;
    targetUrl = u.toString();
    db = await openDatabase({ url: targetUrl, dataDir, singleInstance: false });
    await candleStore().saveClosed(randomWalk(CANDLES, { seed: 11, timeframe: "5m", volatility: 0.004 }));
    client = await JobsClient.open({ redisUrl, prefix, prisma: db.prisma, logger, pollMs: 500 });
    store = new EvaluationStore(db.prisma);
  }, 120_000);

  afterAll(async () => {
    await stopWorkers();
    await client?.sets.obliterate({ force: true }).catch(() => {});
    await client?.backtests.obliterate({ force: true }).catch(() => {});
    await client?.close();
    await db?.close();
    await admin?.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    await admin?.end();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it("an optimisation of 12 sets through two worker processes: every set evaluated exactly once, work spread over both", async () => {
    const [a, b] = await Promise.all([startWorker(), startWorker()]);
    const jobs = new OptimisationJobs({ store: candleStore(), remote: client });
    const { id } = jobs.start(optimisation(range(12)));
    await until("the optimisation to finish", () => ["completed", "failed"].includes(jobs.get(id).status), 180_000);
    const job = jobs.get(id);
    expect(job.error).toBeNull();
    expect(job.status).toBe("completed");
    expect(job.report!.execution.mode).toBe("bullmq");
    expect(job.progress).toEqual({ done: 12, total: 12, stage: "search" });
    expect(job.report!.ranked.map((e) => e.params.fastPeriod).sort((x, y) => Number(x) - Number(y))).toEqual(range(12));
    const rows = await store.list(id);
    expect(rows.map((r) => r.setIndex)).toEqual(range(12, 0));
    const by = new Set(rows.map((r) => r.worker));
    expect(by).toEqual(new Set([a.name, b.name]));
    expect(rows.every((r) => r.attempt === 1)).toBe(true);
    expect(a.output + b.output).not.toMatch(/already stored by another attempt/);
  }, 240_000);

  it("a backtest is a job: progress reaches the service from the job's events, the worker stores the result", async () => {
    const service = new BacktestService({
      repository: new PrismaBacktestRunRepository(db.prisma),
      candleStore: candleStore(),
      baseLimits: DEFAULT_RISK_LIMITS,
      defaults: { startingBalance: 10_000, quoteCurrency: "USDT" },
      logger,
      remote: client,
    });
    const { id } = await service.start({ ...base, strategies: [{ ...base.strategies[0], params: { fastPeriod: 5, slowPeriod: 40 } }] });
    const seen: Array<{ processed: number; total: number } | null> = [];
    await until(
      "the backtest to complete",
      async () => {
        const r = await service.get(id);
        if (r.progress) seen.push(r.progress as never);
        return r.status === "completed" || r.status === "failed";
      },
      120_000,
      20,
    );
    const done = await service.get(id);
    expect(done.error).toBeNull();
    expect(done.status).toBe("completed");
    expect(done.result!.execution).toMatch(/^BullMQ worker /);
    expect(seen.length).toBeGreaterThan(0);
    await service.idle();
  }, 180_000);

  it("SIGKILL of a worker mid-job: the run still completes with every set exactly once", async () => {
    const [a] = workers;
    const jobs = new OptimisationJobs({ store: candleStore(), remote: client });
    const { id } = jobs.start(optimisation(range(10, 20)));
    // Kill worker a while it holds one of this run's jobs.
    let killed: string | undefined;
    await until("worker a to be running a set", async () => {
      const active = await client.sets.getActive();
      const mine = active.find((j) => j.data.runId === id && j.processedBy === a.name);
      if (!mine) return false;
      a.child.kill("SIGKILL");
      killed = mine.id;
      return true;
    }, 120_000, 5);
    expect(await a.exited).toBeNull();
    expect(killed).toBeDefined();
    await until("the optimisation to finish", () => ["completed", "failed"].includes(jobs.get(id).status), 180_000);
    const job = jobs.get(id);
    expect(job.error).toBeNull();
    expect(job.status).toBe("completed");
    expect(job.progress?.done).toBe(10);
    expect(job.report!.ranked.map((e) => e.params.fastPeriod).sort((x, y) => Number(x) - Number(y))).toEqual(range(10, 20));
    const rows = await store.list(id);
    expect(rows.map((r) => r.setIndex)).toEqual(range(10, 0));
    // The killed worker's set was run again by the other worker, and stored once.
    const killedRow = rows.find((r) => `${id}-${r.setIndex}` === killed)!;
    expect(killedRow.worker).not.toBe(a.name);
  }, 300_000);

  it("cancelling a run leaves no job of it waiting or running, and nothing is stored after", async () => {
    if (workers.every((w) => w.child.exitCode !== null || w.child.signalCode !== null)) await startWorker();
    const jobs = new OptimisationJobs({ store: candleStore(), remote: client });
    const { id } = jobs.start(optimisation(range(30, 3)));
    await until("a first stored set", async () => (await store.list(id)).length >= 1, 120_000);
    const cancelled = await jobs.cancel(id);
    expect(cancelled).toMatchObject({ status: "cancelled", cancelled: true });
    const ofRun = async (states: Array<"active" | "waiting" | "delayed" | "prioritized">) => (await client.sets.getJobs(states, 0, -1)).filter((j) => j?.data?.runId === id).length;
    await until("no job of the run left", async () => (await ofRun(["active", "waiting", "delayed", "prioritized"])) === 0, 30_000);
    const stored = (await store.list(id)).length;
    expect(stored).toBeLessThan(30);
    // Past a lock duration and a stalled check: nothing of the run came back or was stored.
    await new Promise((r) => setTimeout(r, LOCK_MS * 2));
    expect(await ofRun(["active", "waiting", "delayed", "prioritized"])).toBe(0);
    expect((await store.list(id)).length).toBe(stored);
    await jobs.idle();
    expect(jobs.get(id).status).toBe("cancelled");
  }, 240_000);

  it("SIGTERM stops a worker gracefully (exit 0)", async () => {
    const live = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    expect(live.length).toBeGreaterThan(0);
    for (const w of live) w.child.kill("SIGTERM");
    for (const w of live) expect(await w.exited).toBe(0);
  }, 60_000);
});
