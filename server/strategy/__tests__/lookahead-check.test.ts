import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { listStrategyKinds, loadUserStrategies } from "..";
import { checkLookahead, formatLookaheadReport } from "../lookahead";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../../..");
const FIXTURES = path.join(import.meta.dirname, "fixtures");
const dir = mkdtempSync(path.join(tmpdir(), "tk-check-"));
copyFileSync(path.join(FIXTURES, "lookahead-planted.ts"), path.join(dir, "lookahead-planted.ts"));
copyFileSync(path.join(FIXTURES, "breakout.ts"), path.join(dir, "breakout.ts"));

afterAll(() => {
  loadUserStrategies({ dir: path.join(tmpdir(), "tk-no-strategies-here") });
  rmSync(dir, { recursive: true, force: true });
});

describe("strategy:check, the look-ahead check", () => {
  it("flags a strategy that peeks at the next candle through state kept outside setup()", () => {
    loadUserStrategies({ dir });
    const report = checkLookahead("planted-lookahead", { count: 600 });
    expect(report.signals).toBeGreaterThan(10);
    expect(report.passed).toBe(false);
    expect(report.findings.length).toBe(report.checked);
    expect(report.findings[0]).toMatchObject({ symbol: "CHECK/USDT", timeframe: "5m", cut: "nothing" });
    expect(formatLookaheadReport(report)[0]).toMatch(/^FAIL planted-lookahead: .* changed/);
  });

  it("passes the built-ins and an honest user strategy, each with signals to re-check", () => {
    loadUserStrategies({ dir });
    for (const kind of ["ma_crossover", "rsi_reversion", "bollinger_bounce", "fixture-breakout"]) {
      const report = checkLookahead(kind, { count: 2_000, maxChecks: 15 });
      expect({ kind, signals: report.signals > 0, findings: report.findings }).toEqual({ kind, signals: true, findings: [] });
    }
  });

  // Three fresh tsx processes, each loading the strategy SDK and the checker: over 2 minutes on a loaded machine.
  it("`npm run strategy:new -- my-breakout` writes a commented template registered under my-breakout, and strategy:check passes it", async () => {
    const fresh = mkdtempSync(path.join(tmpdir(), "tk-new-"));
    try {
      const env = { ...process.env, STRATEGIES_DIR: fresh };
      const created = await run("npx", ["tsx", "scripts/strategy-new.ts", "my-breakout"], { cwd: ROOT, env });
      expect(created.stdout).toMatch(/strategy kind "my-breakout"/);
      const file = path.join(fresh, "my-breakout.ts");
      expect(existsSync(file)).toBe(true);
      expect(readFileSync(file, "utf8")).toMatch(/kind: "my-breakout"/);
      expect(readFileSync(file, "utf8")).toMatch(/\/\/ Parameters, declared once/);
      loadUserStrategies({ dir: fresh });
      expect(listStrategyKinds().find((k) => k.kind === "my-breakout")).toMatchObject({ source: "user", file });
      const checked = await run("npx", ["tsx", "scripts/strategy-check.ts", "my-breakout"], { cwd: ROOT, env });
      expect(checked.stdout).toMatch(/^PASS my-breakout: \d+ of \d+ signals/m);
      const planted = await run("npx", ["tsx", "scripts/strategy-check.ts", "planted-lookahead"], { cwd: ROOT, env: { ...process.env, STRATEGIES_DIR: dir } }).catch((err: { code: number; stdout: string }) => err);
      expect(planted).toMatchObject({ code: 1, stdout: expect.stringMatching(/^FAIL planted-lookahead/m) });
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  }, 360_000);
});
