import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * Starts the real server (production build, embedded database, built-in simulator) on a free port
 * with a throwaway data directory. Refuses a non-local database: e2e tests must never touch a real one.
 */

export const E2E_ADMIN_PASSWORD = "e2e-owner-password";
export const E2E_API_TOKEN = "e2e-static-token-0123456789abcdef0123456789";
const ROOT = path.resolve(import.meta.dirname, "../..");

export function freePort(): Promise<number> {
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

export interface RunningServer {
  url: string;
  port: number;
  dataDir: string;
  output: () => string;
  stop(): Promise<number | null>;
}

export interface StartOptions {
  dataDir?: string;
  port?: number;
  env?: Record<string, string>;
  /** How long to wait for /api/health to say ok (default 90 s; a loaded machine may need longer). */
  startTimeoutMs?: number;
  /**
   * Also wait until the background market-history warm-up is done (GET /api/status `warmup.done`), within
   * the same deadline: on a loaded machine the warm-up's writes to the embedded database slow every request
   * for a minute or two, which is not what a timed step of a flow test is about.
   */
  waitForWarmup?: boolean;
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  if (process.env.DATABASE_URL && !/@(127\.0\.0\.1|localhost)[:/]/.test(process.env.DATABASE_URL)) {
    throw new Error("refusing to run e2e tests against a non-local DATABASE_URL");
  }
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), "tradekeel-e2e-"));
  const port = options.port ?? (await freePort());
  let log = "";
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "server/index.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: "",
      NODE_ENV: "production",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      ADMIN_PASSWORD: E2E_ADMIN_PASSWORD,
      TRADEKEEL_API_TOKEN: E2E_API_TOKEN,
      SIM_SPEED: "60",
      // The shared server runs no strategies, so the manual flows are not raced by the bot's own entries
      // (the risk engine would rightly deny them); e2e/bot.spec.ts runs the bot on its own.
      AUTO_START: "false",
      NEXT_TELEMETRY_DISABLED: "1",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d) => (log += d.toString()));
  child.stderr?.on("data", (d) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const startTimeoutMs = options.startTimeoutMs ?? 90_000;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} during start-up:\n${log}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not become healthy within ${Math.round(startTimeoutMs / 1000)} s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  while (options.waitForWarmup) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} while warming up:\n${log}`);
    try {
      const res = await fetch(`${url}/api/status`, { headers: { Authorization: `Bearer ${E2E_API_TOKEN}` } });
      const status = res.ok ? ((await res.json()) as { warmup?: { done: boolean } | null }) : undefined;
      if (status && (status.warmup == null || status.warmup.done)) break;
    } catch {
      // a slow answer while warming: ask again
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not finish its market-history warm-up within ${Math.round(startTimeoutMs / 1000)} s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }

  return {
    url,
    port,
    dataDir,
    output: () => log,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      const code = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
      return code;
    },
  };
}

export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
