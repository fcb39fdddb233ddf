import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { DEFAULT_ACCOUNT, startSimulator, type SimulatorHandle } from "../../server/simulator";
import { permissiveEntryLimits } from "../engine/fixtures/live-rules";

/**
 * Shared by tests/cluster/leader-*.test.ts and bench/scale.ts: a throwaway PostgreSQL database, a
 * standalone simulator (SIM_URL) and engine processes (tests/cluster/fixtures/engine-child.ts, or
 * server/index.ts) that lead or stand by on that database, each with its output recorded.
 */

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const PG_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
export const SYMBOLS = ["BTC/USDT", "ETH/USDT"];
const MASTER_KEY = "ab".repeat(32);

export async function postgresReachable(url = PG_URL): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const u = new URL(url);
    const socket = connect({ host: u.hostname, port: Number(u.port || 5432) });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.setTimeout(2_000, () => (socket.destroy(), resolve(false)));
  });
}

export async function waitFor<T>(what: () => string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, pollMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export interface Cluster {
  url: string;
  admin: pg.Client;
  sim: SimulatorHandle;
  /** Every order the simulator has received, by client order id, with the time it arrived (ms). */
  venueOrders(): Array<{ clientOrderId: string; time: number; status: string }>;
  configFile: string;
  close(): Promise<void>;
}

export async function startCluster(name: string): Promise<Cluster> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  const sim = await startSimulator({ speed: 1, seed: 7, historyDays: 0.05, symbols: SYMBOLS, accounts: [{ ...DEFAULT_ACCOUNT, balances: { USDT: 1_000_000 } }] });
  const dir = mkdtempSync(path.join(tmpdir(), "tk-leader-"));
  const configFile = path.join(dir, "tradekeel.config.json");
  writeFileSync(configFile, JSON.stringify({ risk: { ...permissiveEntryLimits(SYMBOLS, { maxOpenPositions: 100, maxOpenPositionsPerSymbol: 100, maxTradesPerDay: 100_000 }), venueErrorBreakerCount: 1000 } }));
  const account = sim.core.engine.allAccounts()[0];
  return {
    url: u.toString(),
    admin,
    sim,
    configFile,
    venueOrders: () => [...account.orders.values()].map((o) => ({ clientOrderId: o.clientOrderId, time: o.time, status: o.status })),
    async close() {
      await sim.close().catch(() => {});
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await admin.end().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface EngineProcess {
  child: ChildProcess;
  pid: number;
  output(): string;
  /** Epoch ms at which a line matching `pattern` was first seen, if it was. */
  seenAt(pattern: RegExp): number | undefined;
  /** Resolves with the first line matching, waiting up to timeoutMs (rejects when the process exits first). */
  line(pattern: RegExp, timeoutMs: number): Promise<{ line: string; at: number }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  kill(signal?: NodeJS.Signals): void;
}

export function startEngine(cluster: Cluster, options: { entry?: "fixture" | "index"; env?: Record<string, string> } = {}): EngineProcess {
  const dataDir = mkdtempSync(path.join(tmpdir(), "tk-engine-"));
  const script = options.entry === "index" ? "server/index.ts" : "tests/cluster/fixtures/engine-child.ts";
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: cluster.url,
      DATA_DIR: dataDir,
      SIM_URL: cluster.sim.restUrl,
      VENUE: "simulator",
      TRADING_MODE: "live",
      TRADING_SYMBOLS: SYMBOLS.join(","),
      AUTO_START: "false",
      ENGINE_STANDBY: "true",
      TRADEKEEL_CONFIG: cluster.configFile,
      TRADEKEEL_MASTER_KEY: MASTER_KEY,
      REDIS_URL: "",
      ROLE: "",
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const seen: Array<{ line: string; at: number }> = [];
  let partial = "";
  const onData = (d: Buffer) => {
    const text = d.toString();
    output += text;
    partial += text;
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    const at = Date.now();
    for (const line of lines) seen.push({ line, at });
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null; at: number } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once("exit", (code, signal) => {
      exitInfo = { code, signal, at: Date.now() };
      rmSync(dataDir, { recursive: true, force: true });
      resolve(exitInfo);
    }),
  );
  return {
    child,
    pid: child.pid!,
    output: () => output,
    seenAt: (pattern) => seen.find((s) => pattern.test(s.line))?.at,
    line: (pattern, timeoutMs) =>
      waitFor(
        () => `a line matching ${pattern} from pid ${child.pid}; its output:\n${output.slice(-3000)}`,
        () => {
          const hit = seen.find((s) => pattern.test(s.line));
          if (hit) return hit;
          if (exitInfo) throw new Error(`pid ${child.pid} exited (${exitInfo.code ?? exitInfo.signal}) before printing ${pattern}:\n${output.slice(-3000)}`);
          return undefined;
        },
        timeoutMs,
        10,
      ),
    exited,
    kill(signal = "SIGKILL") {
      if (exitInfo === undefined) child.kill(signal);
    },
  };
}

export async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
}

export async function postJson<T>(url: string, body: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

/** The simulator's last trade price of a symbol. */
export async function venuePrice(cluster: Cluster, symbol: string): Promise<number> {
  const res = await fetch(`${cluster.sim.restUrl}/api/v3/ticker/price?symbol=${symbol.replace("/", "")}`);
  const body = (await res.json()) as { price: string };
  return Number(body.price);
}

export interface OrderAnswer {
  allowed: boolean;
  code: string;
  message: string;
  clientOrderId: string | null;
  status: string | null;
}

/** Places an order through an engine, retrying while it is refused because no price is known yet. */
export async function placeOrder(engineUrl: string, order: { symbol: string; side: "buy" | "sell"; type: "market" | "limit"; quantity: number; price?: number }, timeoutMs = 30_000): Promise<OrderAnswer> {
  let last: OrderAnswer | undefined;
  return waitFor(
    () => `the engine at ${engineUrl} to accept ${JSON.stringify(order)}; last answer ${JSON.stringify(last)}`,
    async () => {
      const res = await postJson<OrderAnswer>(`${engineUrl}/orders`, order);
      last = res.body;
      return res.body.allowed && res.body.clientOrderId ? res.body : undefined;
    },
    timeoutMs,
    200,
  );
}
