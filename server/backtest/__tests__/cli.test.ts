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
    // A spot run has no funding and no liquidations to show.
    expect(stdout).not.toContain("Funding paid");
    expect(stdout).not.toContain("Liquidations");
  }, 60_000);

  it("runs a futures backtest: leverage, margin mode and funding rate from the flags, funding paid and liquidations in the summary", async () => {
    const file = path.join(dir, "BTCUSDT-1m-futures.csv");
    writeFileSync(file, csvOf(randomWalk(3_000, { seed: 8 })));
    const out = path.join(dir, "futures.json");
    const { code, stdout, stderr } = await cli([
      "--csv", file, "--strategy", "ma-cross", "--timeframe", "5m", "--params", '{"fastPeriod":5,"slowPeriod":13,"allowShort":true}', "--risk", '{"maxConsecutiveLosses":50}',
      "--market", "futures", "--leverage", "5", "--margin-mode", "isolated", "--funding-rate", "0.001", "--quiet", "--json", out,
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const result = JSON.parse(readFileSync(out, "utf8")) as {
      config: { market: string; futures: { leverage: number; marginMode: string; fundingRate: number }; riskLimits: { maxLeverage: number; maxConsecutiveLosses: number } };
      summary: { fundingPaid: number; liquidations: number };
      trades: Array<{ fundingPaid?: number }>;
    };
    expect(result.config.market).toBe("futures");
    expect(result.config.futures).toMatchObject({ leverage: 5, marginMode: "isolated", fundingRate: 0.001 });
    // The leverage cap follows the contracts' leverage; --risk still applies on top of the configured limits.
    expect(result.config.riskLimits).toMatchObject({ maxLeverage: 5, maxConsecutiveLosses: 50 });
    expect(stdout).toContain("Market futures (USDⓈ-M perpetuals): 5× leverage, isolated margin, funding 0.1000 % per 8 h");
    // Positions were open over funding times (00:00, 08:00, 16:00 UTC of the 50 hours): funding was booked and printed as booked.
    expect(result.summary.fundingPaid).not.toBe(0);
    const money = (v: number) => v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    expect(stdout).toMatch(new RegExp(`\\nFunding paid \\(− = received\\)\\s+${money(result.summary.fundingPaid).replace(/[.]/g, "\\.")} USDT\\n`));
    expect(stdout).toMatch(new RegExp(`\\nLiquidations\\s+${result.summary.liquidations}\\b`));
  }, 60_000);

  it.each([
    ["an unknown market", ["--market", "perp"], '--market must be spot or futures, got "perp"'],
    ["a leverage that is not a number", ["--market", "futures", "--leverage", "ten"], '--leverage must be a number, got "ten"'],
    ["a leverage over Binance's 125×", ["--market", "futures", "--leverage", "200"], '--leverage must be between 1 and 125, got "200"'],
    ["an unknown margin mode", ["--market", "futures", "--margin-mode", "hedge"], '--margin-mode must be cross or isolated, got "hedge"'],
    ["a funding rate given in percent", ["--market", "futures", "--funding-rate", "1"], "--funding-rate must be between -0.05 and 0.05"],
    ["futures flags on a spot run", ["--leverage", "3", "--margin-mode", "isolated"], "--leverage, --margin-mode apply to futures runs only: add --market futures"],
  ])("refuses %s naming the flag, with exit code 2", async (_name, flags, message) => {
    const { code, stderr } = await cli(["--csv", path.join(dir, "nothing.csv"), "--strategy", "ma_crossover", "--symbol", "BTC/USDT", ...flags]);
    expect(stderr).toContain(message);
    expect(code).toBe(2);
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
