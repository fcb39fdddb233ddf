import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { decode as decodeMsgpack } from "notepack.io";
import pg from "pg";
import pino from "pino";
import { io as ioClient, type Socket } from "socket.io-client";
import { OptimisationJobs } from "../server/backtest/optimise";
import { RELAXED_LIMITS, T0, randomWalk } from "../server/backtest/__tests__/helpers";
import { openDatabase } from "../server/db/database";
import { PrismaCandleStore } from "../server/db/repositories/candle-store";
import { JobsClient } from "../server/jobs";
import { clusterKeys } from "../server/cluster";
import { PG_URL, ROOT, startCluster, startEngine, waitFor, type EngineProcess } from "../tests/cluster/leader-support";

/**
 * `npm run bench -- --only scale` (issue 19, "A measured scale test"), with the machine's PostgreSQL
 * (TEST_DATABASE_URL) and Redis (TEST_REDIS_URL), every part a separate process:
 * - optimisation throughput: one optimisation of `sets` parameter sets through 1, then 2 BullMQ worker
 *   processes (`server/worker.ts`): sets per second and the speed-up;
 * - failover: a leading engine and a hot standby (ENGINE_STANDBY) on one database and one simulator;
 *   the leader is SIGKILLed `failoverRuns` times (the killed one comes back as the next standby):
 *   SIGKILL → the standby holds the lock, and SIGKILL → reconciled and trading (p50, max);
 * - feed delivery: one engine (`ROLE=engine server/index.ts`, simulator at SIM_SPEED=60, so a 1-minute
 *   candle closes every second per symbol) and two web nodes (`ROLE=web server/index.ts` on the production
 *   Next build when there is one, else tests/cluster/fixtures/web-node.ts: the same web-node services and
 *   Socket.IO Redis adapter without Next), `feedClients` Socket.IO clients spread evenly over both, each
 *   subscribed to the BTC/USDT and ETH/USDT 1-minute candles. The delay of each closed candle and ticker
 *   event is the time from the engine's publish (the moment the emitter's message is on Redis: a tap in
 *   this process subscribed to the adapter's channels) to each client's receipt (same process, same
 *   clock); every client must receive every event of the window (`missing` counts those that did not).
 * A part whose server is absent is skipped with the reason.
 */

export interface ScaleResult {
  machine: { loadavg1m: number };
  optimisation: { skipped: string } | { sets: number; candles: number; oneWorker: { wallMs: number; setsPerSecond: number }; twoWorkers: { wallMs: number; setsPerSecond: number }; speedUp: number };
  failover: { skipped: string } | { runs: number; lockMs: number[]; readyMs: number[]; lockP50Ms: number; lockMaxMs: number; readyP50Ms: number; readyMaxMs: number };
  feed: { skipped: string } | FeedResult;
}

export interface FeedResult {
  clients: number;
  webNodes: { count: number; entry: string };
  windowMs: number;
  /** Events published by the engine during the window: closed candles and tickers. */
  events: { closedCandles: number; tickers: number };
  /** Client receipts measured (clients × events when none is missing). */
  deliveries: number;
  missing: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
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

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : 0);
const round1 = (x: number) => Math.round(x * 10) / 10;

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

const FEED_TOKEN = "scale-bench-static-token-0123456789abcdef0123";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<unknown>;
}

function spawnNode(script: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return { child, output: () => output, exited };
}

/** The candle streams every client subscribes to (the engine publishes the other timeframes' closed candles to rooms no client is in). */
const FEED_STREAMS = [
  { symbol: "BTC/USDT", timeframe: "1m" },
  { symbol: "ETH/USDT", timeframe: "1m" },
];

/** The key an event is matched by between the Redis tap and the clients; undefined: not measured (forming candles, other streams, the rest of the feed). */
function feedKey(event: string, payload: unknown): { key: string; kind: "candle" | "ticker" } | undefined {
  const p = payload as { symbol?: string; timeframe?: string; seq?: number; timestamp?: number; candle?: { closed?: boolean } } | undefined;
  if (event === "candle" && p?.candle?.closed && FEED_STREAMS.some((s) => s.symbol === p.symbol && s.timeframe === p.timeframe)) return { key: `candle|${p.symbol}|${p.timeframe}|${p.seq}`, kind: "candle" };
  if (event === "ticker" && p?.symbol) return { key: `ticker|${p.symbol}|${p.timestamp}`, kind: "ticker" };
  return undefined;
}

async function feedDelivery(clientCount: number, windowMs: number, log: (line: string) => void): Promise<FeedResult> {
  const name = `tradekeel_scale_feed_${process.pid}`;
  const prefix = `tk-scale-feed-${process.pid}-${Date.now().toString(36)}`;
  const keys = clusterKeys(prefix);
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  const dataDirs: string[] = [];
  const env = () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "tk-scale-feed-"));
    dataDirs.push(dataDir);
    return {
      REDIS_URL,
      DATABASE_URL: u.toString(),
      TRADEKEEL_QUEUE_PREFIX: prefix,
      TRADEKEEL_API_TOKEN: FEED_TOKEN,
      TRADEKEEL_MASTER_KEY: "ef".repeat(32),
      DATA_DIR: dataDir,
      TRADING_MODE: "paper",
      AUTO_START: "false",
      SIM_SPEED: "60",
      SIM_SYMBOLS: "BTC/USDT,ETH/USDT",
      TRADING_SYMBOLS: "BTC/USDT,ETH/USDT",
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
    };
  };
  const procs: Proc[] = [];
  const sockets: Socket[] = [];
  const tap = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const withNext = existsSync(path.join(ROOT, ".next", "BUILD_ID"));
  const entry = withNext ? "server/index.ts ROLE=web (production Next build)" : "tests/cluster/fixtures/web-node.ts (no Next build: the same web-node services and feed)";
  try {
    const engine = spawnNode("server/index.ts", { ...env(), ROLE: "engine", PORT: "0" });
    procs.push(engine);
    await waitFor(() => `the engine to start:\n${engine.output().slice(-3000)}`, () => {
      if (engine.child.exitCode !== null) throw new Error(`the engine exited (${engine.child.exitCode}):\n${engine.output()}`);
      return /engine on queue prefix/.test(engine.output());
    }, 240_000, 100);
    const urls: string[] = [];
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const web = spawnNode(withNext ? "server/index.ts" : "tests/cluster/fixtures/web-node.ts", { ...env(), ROLE: "web", PORT: String(port) });
      procs.push(web);
      const url = await waitFor(() => `web node ${i + 1} to serve:\n${web.output().slice(-3000)}`, async () => {
        if (web.child.exitCode !== null) throw new Error(`web node ${i + 1} exited (${web.child.exitCode}):\n${web.output()}`);
        if (!withNext) return /READY (\S+)/.exec(web.output())?.[1];
        const res = await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => undefined);
        return res?.ok ? `http://127.0.0.1:${port}` : undefined;
      }, 240_000, 250);
      urls.push(url);
    }

    // The tap: every message the engine's emitter publishes, the moment it is on Redis.
    let measuring = false;
    const published = new Map<string, { at: number; kind: "candle" | "ticker" }>();
    tap.on("pmessageBuffer", (_pattern: Buffer, _channel: Buffer, message: Buffer) => {
      const at = performance.now();
      if (!measuring) return;
      const [, packet] = decodeMsgpack(message) as [string, { data?: [string, unknown] }];
      const data = packet?.data;
      const k = data ? feedKey(data[0], data[1]) : undefined;
      if (k && !published.has(k.key)) published.set(k.key, { at, kind: k.kind });
    });
    await tap.psubscribe(`${keys.socketIo}#*`);

    // The clients, spread evenly over both nodes, each with what it received and when.
    const received: Array<Map<string, number>> = [];
    for (let i = 0; i < clientCount; i++) {
      const socket = ioClient(urls[i % urls.length]!, { path: "/socket.io", transports: ["websocket"], auth: { token: FEED_TOKEN }, reconnection: false, forceNew: true });
      sockets.push(socket);
      const got = new Map<string, number>();
      received.push(got);
      const onEvent = (event: string) => (payload: unknown) => {
        const at = performance.now();
        if (!measuring) return;
        const k = feedKey(event, payload);
        if (k && !got.has(k.key)) got.set(k.key, at);
      };
      socket.on("candle", onEvent("candle"));
      socket.on("ticker", onEvent("ticker"));
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", () => resolve());
        socket.once("connect_error", (err) => reject(new Error(`client ${i} on ${urls[i % urls.length]}: ${err.message}`)));
      });
      await socket.timeout(20_000).emitWithAck("subscribe", { candles: FEED_STREAMS });
    }
    log(`feed: ${clientCount} clients connected and subscribed over ${urls.length} web nodes (${entry})`);

    measuring = true;
    const started = performance.now();
    await new Promise((r) => setTimeout(r, windowMs));
    // The window closes: what was published in it is what every client must have received.
    const expected = [...published.entries()];
    const closedAt = performance.now();
    const complete = () => received.every((got) => expected.every(([key]) => got.has(key)));
    await waitFor(() => "every client to receive every event", () => complete() || undefined, 10_000, 50).catch(() => undefined);
    measuring = false;

    const delays: number[] = [];
    let missing = 0;
    for (const got of received) {
      for (const [key, pub] of expected) {
        const at = got.get(key);
        if (at === undefined) missing++;
        else delays.push(at - pub.at);
      }
    }
    delays.sort((a, b) => a - b);
    const result: FeedResult = {
      clients: clientCount,
      webNodes: { count: urls.length, entry },
      windowMs: Math.round(closedAt - started),
      events: { closedCandles: expected.filter(([, e]) => e.kind === "candle").length, tickers: expected.filter(([, e]) => e.kind === "ticker").length },
      deliveries: delays.length,
      missing,
      p50Ms: round1(percentile(delays, 50)),
      p95Ms: round1(percentile(delays, 95)),
      p99Ms: round1(percentile(delays, 99)),
      maxMs: round1(delays.at(-1) ?? 0),
    };
    if (result.events.closedCandles === 0) throw new Error(`no closed candle was published in ${windowMs} ms:\n${procs[0]!.output().slice(-3000)}`);
    log(`feed: ${result.events.closedCandles} closed candles and ${result.events.tickers} tickers to ${clientCount} clients: p50 ${result.p50Ms} ms, p95 ${result.p95Ms} ms, max ${result.maxMs} ms, ${missing} missing`);
    return result;
  } finally {
    for (const s of sockets) s.close();
    tap.disconnect();
    for (const p of procs.reverse()) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGTERM");
      await Promise.race([p.exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
    }
    const cleanup = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const found = await cleanup.keys(`${prefix}*`).catch(() => [] as string[]);
    if (found.length) await cleanup.del(...found).catch(() => {});
    cleanup.disconnect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await admin.end();
    for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
  }
}

export async function scaleFigures(options: { sets: number; candles: number; failoverRuns: number; feedClients?: number; feedWindowMs?: number; log?: (line: string) => void }): Promise<ScaleResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const [havePg, haveRedis] = await Promise.all([reachable(PG_URL, 5432), reachable(REDIS_URL, 6379)]);
  const noPg = `no PostgreSQL at ${new URL(PG_URL).host} (set TEST_DATABASE_URL)`;
  const noRedis = `no Redis at ${new URL(REDIS_URL).host} (set TEST_REDIS_URL)`;
  const optimisation = !havePg ? { skipped: noPg } : !haveRedis ? { skipped: noRedis } : await optimisationThroughput(options.sets, options.candles, log);
  const failover = !havePg ? { skipped: noPg } : await failoverTimes(options.failoverRuns, log);
  const feed = !havePg ? { skipped: noPg } : !haveRedis ? { skipped: noRedis } : await feedDelivery(options.feedClients ?? 200, options.feedWindowMs ?? 30_000, log);
  return {
    machine: { loadavg1m: Math.round(loadavg()[0] * 100) / 100 },
    optimisation,
    failover,
    feed,
  };
}
