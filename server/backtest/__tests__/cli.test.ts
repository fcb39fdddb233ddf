import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { csvOf, randomWalk } from "./helpers";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const CLI = path.join(ROOT, "server/backtest/cli.ts");
const dir = mkdtempSync(path.join(tmpdir(), "tk-backtest-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", CLI, ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("npm run backtest (server/backtest/cli.ts)", () => {
  it("runs on a CSV file: progress on stderr, the metrics and last trades on stdout, the result as JSON", async () => {
    const file = path.join(dir, "ETHUSDT-1m-test.csv");
    writeFileSync(file, csvOf(randomWalk(3_000, { seed: 8, price: 1_600 })));
    const out = path.join(dir, "result.json");
    const { code, stdout, stderr } = await cli(["--csv", file, "--strategy", "ma-cross", "--timeframe", "5m", "--params", '{"fastPeriod":5,"slowPeriod":13}', "--risk", '{"maxConsecutiveLosses":50}', "--json", out]);
    expect(stderr).toContain("100%");
    expect(code).toBe(0);
    expect(stdout).toContain("Backtest ma_crossover ETH/USDT 5m");
    expect(stdout).toMatch(/Total return\s+-?[\d.,]+ %/);
    expect(stdout).toMatch(/Max drawdown/);
    expect(stdout).toMatch(/Last \d+ of \d+ trades|No closed trades/);
    const result = JSON.parse(readFileSync(out, "utf8")) as { metrics: { trades: number }; strategies: Array<{ params: { fastPeriod: number } }> };
    expect(result.strategies[0].params.fastPeriod).toBe(5);
    expect(stdout).toMatch(new RegExp(`\\nTrades\\s+${result.metrics.trades}\\n`));
  }, 60_000);

  it("explains a bad invocation and exits with 2", async () => {
    const [missing, badParams] = await Promise.all([
      cli(["--csv", path.join(dir, "nothing.csv")]),
      cli(["--csv", path.join(dir, "nothing.csv"), "--strategy", "ma_crossover", "--symbol", "BTC/USDT", "--params", "{fast"]),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--strategy is required");
    expect(badParams.code).toBe(2);
    expect(badParams.stderr).toContain("--params must be a JSON object");
  }, 60_000);
});
