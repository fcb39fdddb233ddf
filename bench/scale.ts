import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import pino from "pino";
import { OptimisationJobs } from "../server/backtest/optimise";
import { RELAXED_LIMITS, T0, randomWalk } from "../server/backtest/__tests__/helpers";
import { openDatabase } from "../server/db/database";
import { PrismaCandleStore } from "../server/db/repositories/candle-store";
import { JobsClient } from "../server/jobs";
import { PG_URL, ROOT, startCluster, startEngine, waitFor, type EngineProcess } from "../tests/cluster/leader-support";

/**
 * `npm run bench -- --only scale` (issue 19, "A measured scale test"), with the machine's PostgreSQL
 * (TEST_DATABASE_URL) and Redis (TEST_REDIS_URL), every part a separate process:
 * - optimisation throughput: one optimisation of `sets` parameter sets through 1, then 2 BullMQ worker
 *   processes (`server/worker.ts`): sets per second and the speed-up;
 * - failover: a leading engine and a hot standby (ENGINE_STANDBY) on one database and one simulator;
 *   the leader is SIGKILLed `failoverRuns` times (the killed one comes back as the next standby):
 *   SIGKILL → the standby holds the lock, and SIGKILL → reconciled and trading (p50, max);
 * - feed delivery to 200 Socket.IO clients over two web nodes: pending (ROLE=web nodes were being built
 *   alongside this; they need a production Next build).
 * A part whose server is absent is skipped with the reason.
 */

export interface ScaleResult {
  machine: { loadavg1m: number };
  optimisation: { skipped: string } | { sets: number; candles: number; oneWorker: { wallMs: number; setsPerSecond: number }; twoWorkers: { wallMs: number; setsPerSecond: number }; speedUp: number };
  failover: { skipped: string } | { runs: number; lockMs: number[]; readyMs: number[]; lockP50Ms: number; lockMaxMs: number; readyP50Ms: number; readyMaxMs: number };
  feed: { pending: string };
}

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

function reachable(url: string, port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const u = new URL(url);
    const socket = connect({ host: u.hostname, port: Number(u.port || port) });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.setTimeout(2_000, () => (socket.destroy(), resolve(false)));
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : 0;
};

async function optimisationThroughput(sets: number, candles: number, log: (line: string) => void): Promise<ScaleResult["optimisation"]> {
  const name = `tradekeel_scale_jobs_${process.pid}`;
  const prefix = `tk-scale-${process.pid}-${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  const dataDir = mkdtempSync(path.join(tmpdir(), "tk-scale-"));
  const db = await openDatabase({ url, dataDir, singleInstance: false });
  const store = new PrismaCandleStore(db.prisma, "simulator");
  const workers: Array<{ child: ChildProcess; exited: Promise<unknown> }> = [];
  const logger = pino({ level: "silent" });
  let client: JobsClient | undefined;
  const startWorker = async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "server/worker.ts"], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL, DATABASE_URL: url, TRADEKEEL_QUEUE_PREFIX: prefix, DATA_DIR: dataDir, LOG_LEVEL: "warn", ROLE: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    const exited = new Promise((resolve) => child.once("exit", resolve));
    workers.push({ child, exited });
    await waitFor(() => `a worker to start:\n${output}`, () => {
      if (child.exitCode !== null) throw new Error(`worker exited (${child.exitCode}):\n${output}`);
      return /Tradekeel worker \S+ on queue prefix/.test(output);
    }, 120_000, 50);
  };
  const stopWorkers = async () => {
    for (const w of workers.splice(0)) {
      w.child.kill("SIGTERM");
      await w.exited;
    }
  };
  try {
    await store.saveClosed(randomWalk(candles, { seed: 11, timeframe: "5m", volatility: 0.004 }));
    client = await JobsClient.open({ redisUrl: REDIS_URL, prefix, prisma: db.prisma, logger, pollMs: 200 });
    const jobs = new OptimisationJobs({ store, remote: client });
    const input = {
      base: { strategies: [{ kind: "ma_crossover", symbols: ["BTC/USDT"], timeframe: "5m" }], source: { type: "stored" }, from: T0, to: T0 + candles * 300_000, riskLimits: RELAXED_LIMITS },
      method: "grid",
      space: { fastPeriod: { values: Array.from({ length: sets }, (_, i) => 3 + i) }, slowPeriod: { values: [60] } },
      objective: "sharpe",
      minTrades: 0,
      top: 1000,
    };
    const run = async (n: number) => {
      for (let i = 0; i < n; i++) await startWorker();
      const started = performance.now();
      const { id } = jobs.start(input);
      await waitFor(() => `the optimisation to finish (${JSON.stringify(jobs.get(id).progress)})`, () => ["completed", "failed", "cancelled"].includes(jobs.get(id).status), 900_000, 50);
      const wallMs = Math.round(performance.now() - started);
      const job = jobs.get(id);
      if (job.status !== "completed") throw new Error(`the optimisation ${job.status}: ${job.error}`);
      await stopWorkers();
      log(`optimisation, ${n} worker(s): ${sets} sets in ${wallMs} ms`);
      return { wallMs, setsPerSecond: Math.round((sets / (wallMs / 1000)) * 100) / 100 };
    };
    const oneWorker = await run(1);
    const twoWorkers = await run(2);
    return { sets, candles, oneWorker, twoWorkers, speedUp: Math.round((oneWorker.wallMs / twoWorkers.wallMs) * 100) / 100 };
  } finally {
    await stopWorkers();
    await client?.sets.obliterate({ force: true }).catch(() => {});
    await client?.backtests.obliterate({ force: true }).catch(() => {});
    await client?.close();
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function failoverTimes(runs: number, log: (line: string) => void): Promise<ScaleResult["failover"]> {
  const cluster = await startCluster(`tradekeel_scale_failover_${process.pid}`);
  const engines: EngineProcess[] = [];
  const start = () => {
    const e = startEngine(cluster, { env: { LOG_LEVEL: "error" } });
    engines.push(e);
    return e;
  };
  const lockMs: number[] = [];
  const readyMs: number[] = [];
  try {
    let leader = start();
    await leader.line(/^LEADING /, 180_000);
    for (let i = 0; i < runs; i++) {
      const standby = start();
      await standby.line(/engine standby on /, 180_000);
      leader.kill("SIGKILL");
      const killedAt = Date.now();
      await leader.exited;
      const took = await standby.line(/engine leads: took the lock/, 60_000);
      const ready = await standby.line(/^LEADING /, 180_000);
      lockMs.push(took.at - killedAt);
      readyMs.push(ready.at - killedAt);
      log(`failover ${i + 1}/${runs}: lock after ${took.at - killedAt} ms, reconciled and trading after ${ready.at - killedAt} ms`);
      leader = standby;
    }
    return { runs, lockMs, readyMs, lockP50Ms: median(lockMs), lockMaxMs: Math.max(...lockMs), readyP50Ms: median(readyMs), readyMaxMs: Math.max(...readyMs) };
  } finally {
    for (const e of engines) {
      e.kill("SIGKILL");
      await e.exited;
    }
    await cluster.close();
  }
}

export async function scaleFigures(options: { sets: number; candles: number; failoverRuns: number; log?: (line: string) => void }): Promise<ScaleResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const [havePg, haveRedis] = await Promise.all([reachable(PG_URL, 5432), reachable(REDIS_URL, 6379)]);
  const noPg = `no PostgreSQL at ${new URL(PG_URL).host} (set TEST_DATABASE_URL)`;
  const noRedis = `no Redis at ${new URL(REDIS_URL).host} (set TEST_REDIS_URL)`;
  const optimisation = !havePg ? { skipped: noPg } : !haveRedis ? { skipped: noRedis } : await optimisationThroughput(options.sets, options.candles, log);
  const failover = !havePg ? { skipped: noPg } : await failoverTimes(options.failoverRuns, log);
  return {
    machine: { loadavg1m: Math.round(loadavg()[0] * 100) / 100 },
    optimisation,
    failover,
    feed: { pending: "not measured yet: ROLE=web nodes apart from the engine (server/cluster, being built alongside) need a production Next build; this part of the scale test is still to be written" },
  };
}
