import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { test, expect, type Browser, type BrowserContext, type Page } from "@playwright/test";
import pg from "pg";
import { Redis } from "ioredis";
import { E2E_ADMIN_PASSWORD, E2E_API_TOKEN, startServer, removeDataDir, type RunningServer } from "./support/server";
import { apiHeaders, lastPrice, signIn } from "./support/fixtures";

/**
 * Scale out (issue 19, README "Scale out"), in a real Chromium: the documented commands run as separate
 * processes on the machine's Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379) and PostgreSQL
 * (TEST_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test; a fresh database per run):
 *
 *   ROLE=engine  server/index.ts                   (first: it applies the migrations)
 *   ROLE=web     server/index.ts  PORT=<a>         (Next production build, REST, Socket.IO Redis adapter)
 *   ROLE=web     server/index.ts  PORT=<b>
 *   server/worker.ts                              (npm run worker)
 *
 * A trader signs in on either web node, sees live candles arriving on the dashboard, and hits the kill
 * switch from one node while the other node's dashboard shows the account halted. Skipped with a message
 * when Redis or PostgreSQL is absent.
 */

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const PG_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const ROOT = path.resolve(import.meta.dirname, "..");
const MASTER_KEY = "cd".repeat(32);
const prefix = `tk-e2e-scale-${process.pid}-${Date.now().toString(36)}`;
const dbName = `tradekeel_e2e_scale_${process.pid}`;

function reachable(url: string, port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const u = new URL(url);
    const socket = connect({ host: u.hostname, port: Number(u.port || port) });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.setTimeout(2_000, () => (socket.destroy(), resolve(false)));
  });
}

const haveRedis = await reachable(REDIS_URL, 6379);
const havePg = await reachable(PG_URL, 5432);
const absent = [!haveRedis && `no Redis at ${new URL(REDIS_URL).host} (set TEST_REDIS_URL)`, !havePg && `no PostgreSQL at ${new URL(PG_URL).host} (set TEST_DATABASE_URL)`].filter(Boolean).join("; ");
if (absent) console.warn(`scale out (engine, two web nodes, a worker): skipped, ${absent}`);

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function spawnProcess(script: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitForLine(proc: Proc, pattern: RegExp, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(proc.output())) {
    if (proc.child.exitCode !== null) throw new Error(`${what} exited (${proc.child.exitCode}):\n${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopProcess(proc: Proc | undefined): Promise<void> {
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill("SIGTERM");
  await Promise.race([proc.exited, new Promise((r) => setTimeout(r, 20_000))]);
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill("SIGKILL");
}

async function barsOf(page: Page): Promise<number> {
  return Number(await page.getByTestId("candle-chart").first().getAttribute("data-bars"));
}

test.describe.configure({ mode: "serial" });

test.describe("scale out: an engine, two web nodes serving the dashboard, a worker", () => {
  test.skip(Boolean(absent), `needs the machine's Redis and PostgreSQL: ${absent}`);

  let admin: pg.Client | undefined;
  let databaseUrl = "";
  let engine: Proc | undefined;
  let worker: Proc | undefined;
  const webs: RunningServer[] = [];
  const dataDirs: string[] = [];
  const contexts: BrowserContext[] = [];
  const pages: Page[] = [];
  const consoleErrors: string[] = [];

  const clusterEnv = () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "tk-e2e-scale-"));
    dataDirs.push(dataDir);
    return {
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      TRADEKEEL_QUEUE_PREFIX: prefix,
      TRADEKEEL_MASTER_KEY: MASTER_KEY,
      DATA_DIR: dataDir,
    };
  };
  const logs = () => [`engine:\n${engine?.output().slice(-3000)}`, ...webs.map((w, i) => `web ${i + 1}:\n${w.output().slice(-3000)}`), `worker:\n${worker?.output().slice(-2000)}`].join("\n");

  /** A browser (its own cookies) on web node `i`, signed in there as the owner. */
  async function dashboardOn(browser: Browser, i: number): Promise<Page> {
    const context = await browser.newContext({ baseURL: webs[i]!.url });
    contexts.push(context);
    const page = await context.newPage();
    page.on("console", (msg) => msg.type() === "error" && consoleErrors.push(`web ${i + 1}: ${msg.text()}`));
    page.on("pageerror", (err) => consoleErrors.push(`web ${i + 1}: ${String(err)}`));
    // Which request a "Failed to load resource" was, for the failure's message.
    page.on("response", (res) => res.status() >= 500 && consoleErrors.push(`web ${i + 1}: ${res.status()} ${res.request().method()} ${res.url()}`));
    await signIn(page);
    pages[i] = page;
    return page;
  }

  test.beforeAll(async () => {
    test.setTimeout(420_000);
    admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${dbName}`);
    const u = new URL(PG_URL);
    u.pathname = `/${dbName}`;
    databaseUrl = u.toString();

    // The engine first: it applies the migrations and creates the owner account the web nodes sign in to.
    engine = spawnProcess("server/index.ts", {
      ...clusterEnv(),
      ROLE: "engine",
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      ADMIN_PASSWORD: E2E_ADMIN_PASSWORD,
      TRADEKEEL_API_TOKEN: E2E_API_TOKEN,
      TRADING_MODE: "paper",
      SIM_SPEED: "60",
      AUTO_START: "false",
    });
    await waitForLine(engine, /engine on queue prefix/, "the engine to start", 240_000);
    // Two web nodes on their own ports, each serving the production Next build (startServer waits for /api/health 200).
    for (let i = 0; i < 2; i++) {
      const web = await startServer({ env: { ...clusterEnv(), ROLE: "web" }, startTimeoutMs: 180_000 }).catch((err: Error) => {
        throw new Error(`${err.message}\n${logs()}`);
      });
      dataDirs.push(web.dataDir);
      webs.push(web);
    }
    worker = spawnProcess("server/worker.ts", { ...clusterEnv(), LOG_LEVEL: "warn" });
    await waitForLine(worker, /Tradekeel worker \S+ on queue prefix/, "the worker to start", 120_000);
  });

  test.afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await stopProcess(worker);
    for (const w of webs) await w.stop();
    await stopProcess(engine);
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: true });
    await redis.connect().catch(() => {});
    const found = await redis.keys(`${prefix}*`).catch(() => [] as string[]);
    if (found.length) await redis.del(...found).catch(() => {});
    redis.disconnect();
    await admin?.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    await admin?.end().catch(() => {});
    for (const d of dataDirs) removeDataDir(d);
  });

  test("a trader signed in on either web node sees live simulated candles arriving on the dashboard", async ({ browser }) => {
    test.setTimeout(240_000);
    for (let i = 0; i < 2; i++) {
      const page = await dashboardOn(browser, i);
      await expect(page.locator("header").getByTestId("venue-badge"), logs()).toHaveText(/SIMULATED/, { timeout: 30_000 });
      await expect(page.locator("header").getByTestId("mode-badge")).toHaveText(/PAPER/);
      await expect(page.locator("header").getByTestId("trading-state-badge")).toHaveText(/ACTIVE/, { timeout: 20_000 });
      await expect(page.getByTestId("feed-status")).toHaveAttribute("data-feed", "live", { timeout: 90_000 });
      await expect.poll(() => barsOf(page), { timeout: 30_000 }).toBeGreaterThan(10);
    }
    // At SIM_SPEED=60 a 1-minute candle closes every second: on both nodes the chart's newest bar moves on.
    for (const page of pages) {
      const before = await page.getByTestId("chart-legend").first().textContent();
      await expect.poll(async () => page.getByTestId("chart-legend").first().textContent(), { timeout: 20_000 }).not.toBe(before);
    }
    expect(consoleErrors).toEqual([]);
  });

  test("the kill switch hit on web node 2 flattens the position opened on web node 1, confirmed, and both dashboards show HALTED until reset", async () => {
    const [one, two] = pages as [Page, Page];
    // A paper position, bought through web node 1's API (run by the engine).
    const last = await lastPrice(one.request, "BTC/USDT");
    const placed = await one.request.post("/api/orders", {
      headers: apiHeaders,
      data: { symbol: "BTC/USDT", side: "buy", type: "market", quantity: 0.01, stopLoss: Math.round(last * 0.9), takeProfit: Math.round(last * 1.25) },
    });
    expect(placed.status(), await placed.text()).toBe(201);
    // The engine's feed reaches web node 2's dashboard.
    await expect(two.getByTestId("positions-table").locator("tr", { hasText: "BTC/USDT" }).first()).toBeVisible({ timeout: 30_000 });

    await two.getByTestId("kill-switch-button").click();
    await two.getByTestId("kill-switch-flatten").click();
    await two.getByTestId("kill-switch-confirm").click();
    await expect(two.getByTestId("kill-switch-flat-confirmed")).toBeVisible({ timeout: 60_000 });
    await expect(two.getByTestId("kill-switch-flat-confirmed")).toHaveAttribute("data-flat", "true", { timeout: 60_000 });
    for (const page of [two, one]) await expect(page.locator("header").getByTestId("trading-state-badge")).toHaveText(/HALTED/, { timeout: 20_000 });
    // The engine's own account, read through either node: flat, and nothing new goes through.
    expect(await (await one.request.get("/api/positions", { headers: apiHeaders })).json()).toEqual([]);
    const denied = await one.request.post("/api/orders", { headers: apiHeaders, data: { symbol: "ETH/USDT", side: "buy", type: "market", quantity: 0.1 } });
    expect(denied.status()).toBe(422);
    expect((await denied.json()).error.code).toBe("RISK_DENIED");

    await two.getByTestId("kill-switch-reset").click();
    await two.getByTestId("kill-switch-reset-confirm").click();
    for (const page of [two, one]) await expect(page.locator("header").getByTestId("trading-state-badge")).toHaveText(/ACTIVE/, { timeout: 20_000 });
    expect(consoleErrors).toEqual([]);
  });
  test("a backtest started on web node 1 runs on the BullMQ worker, and web node 2 reads its result", async () => {
    const [one, two] = pages as [Page, Page];
    // The engine stores the closed candles it receives in the shared PostgreSQL: backtest the last stored hour or so.
    const answer = (await (await one.request.get("/api/candles?symbol=BTC%2FUSDT&timeframe=1m&limit=120", { headers: apiHeaders })).json()) as
      | Array<{ time: number; closed?: boolean }>
      | { candles: Array<{ time: number; closed?: boolean }> };
    const candles = (Array.isArray(answer) ? answer : answer.candles).filter((c) => c.closed !== false);
    expect(candles.length, JSON.stringify(answer).slice(0, 500)).toBeGreaterThan(40);
    const started = await one.request.post("/api/backtests", {
      headers: apiHeaders,
      data: {
        strategies: [{ kind: "ma_crossover", symbols: ["BTC/USDT"], timeframe: "1m", params: { fastPeriod: 3, slowPeriod: 8 } }],
        source: { type: "stored" },
        from: candles[0]!.time,
        to: candles.at(-20)!.time,
      },
    });
    expect(started.status(), await started.text()).toBe(202);
    const { id } = (await started.json()) as { id: string };
    let last: unknown;
    await expect
      .poll(
        async () => {
          const res = await two.request.get(`/api/backtests/${id}`, { headers: apiHeaders });
          last = await res.json();
          return (last as { status?: string }).status;
        },
        { timeout: 120_000, intervals: [250, 500, 1000] },
      )
      .toMatch(/completed|failed/);
    const run = last as { status: string; error: string | null; result: { execution?: string } | null };
    expect(run.error, `${JSON.stringify(run).slice(0, 1000)}\n${logs()}`).toBeNull();
    expect(run.status).toBe("completed");
    // Run by the worker process, not by the web node's own threads.
    expect(run.result?.execution).toMatch(/^BullMQ worker /);
  });
});
