import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Start-up to healthy on the embedded defaults (issue 20, footprint: under 10 s, RSS under 400 MB):
 * a fresh Node process (so module loading and RSS are its own) creates the application on a temporary
 * DATA_DIR (embedded PGlite, built-in simulator, default symbols and strategies), starts it and asks
 * its health until "ok". Without Next (the dashboard build is served by server/index.ts, which prepares
 * it while the engine starts). Then it waits for the background history warm-up to finish. Run twice:
 * a fresh DATA_DIR (migrations, the whole history over REST) and the same one again (history from the
 * database).
 */
export interface StartupRun {
  dataDir: "fresh" | "existing";
  /** Process start → modules loaded. */
  importMs: number;
  /** createApplication (database open + migrations, auth, venue connection, composition). */
  createMs: number;
  /** start() (alerts, reconciliation, strategies, streams started). */
  startMs: number;
  /** Process start → health "ok". */
  healthyMs: number;
  rssMbAtHealthy: number;
  /** Process start → the background warm-up complete. */
  warmedUpMs: number;
  rssMbAfterWarmup: number;
  warmupProgressAtHealthy: number;
}

export interface StartupResult {
  runs: StartupRun[];
  goals: { healthyMs: number; rssMb: number };
  loadAvg1m: number;
}

const GOALS = { healthyMs: 10_000, rssMb: 400 };

async function child(dataDir: string, label: StartupRun["dataDir"]): Promise<void> {
  const since = () => Math.round(performance.now());
  const [{ createApplication }, { configSchema }, { createLogger }] = await Promise.all([import("../server/app"), import("../server/config"), import("../server/core/logger")]);
  const importMs = since();
  const config = configSchema.parse({ server: { dataDir, logLevel: "silent" }, database: {}, venue: {}, simulator: {}, trading: {}, risk: {}, auth: {} });
  const app = await createApplication(config, createLogger("silent"));
  const createMs = since() - importMs;
  await app.start();
  const startMs = since() - importMs - createMs;
  while ((await app.services.health()).status !== "ok") await new Promise((r) => setTimeout(r, 20));
  const healthyMs = since();
  const rssMbAtHealthy = Math.round(process.memoryUsage().rss / 1048576);
  const engine = app.services.engine!;
  const warmupProgressAtHealthy = engine.warmup().progress;
  await engine.whenWarmedUp();
  const warmedUpMs = since();
  const rssMbAfterWarmup = Math.round(process.memoryUsage().rss / 1048576);
  await app.stop();
  const run: StartupRun = { dataDir: label, importMs, createMs, startMs, healthyMs, rssMbAtHealthy, warmedUpMs, rssMbAfterWarmup, warmupProgressAtHealthy };
  process.stdout.write(`STARTUP ${JSON.stringify(run)}\n`);
  process.exit(0);
}

function runChild(dataDir: string, label: StartupRun["dataDir"]): Promise<StartupRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", fileURLToPath(import.meta.url), "--startup-child", dataDir, label],
      { cwd: path.resolve(import.meta.dirname, ".."), timeout: 600_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const line = stdout.split("\n").find((l) => l.startsWith("STARTUP "));
        if (line) return resolve(JSON.parse(line.slice("STARTUP ".length)) as StartupRun);
        reject(new Error(`start-up bench child failed: ${err?.message ?? ""}\n${stderr.slice(-2000)}`));
      },
    );
  });
}

export async function startupFigures(): Promise<StartupResult> {
  const dir = mkdtempSync(path.join(tmpdir(), "tk-bench-startup-"));
  try {
    const loadAvg1m = Math.round(loadavg()[0] * 100) / 100;
    const fresh = await runChild(dir, "fresh");
    const existing = await runChild(dir, "existing");
    return { runs: [fresh, existing], goals: GOALS, loadAvg1m };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--startup-child") {
  child(process.argv[3], process.argv[4] as StartupRun["dataDir"]).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
