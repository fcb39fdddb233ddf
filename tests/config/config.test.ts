import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadConfig, ConfigError } from "../../server/config";

const ROOT = path.resolve(import.meta.dirname, "../..");
const emptyDir = () => mkdtempSync(path.join(tmpdir(), "tk-cfg-"));

function problemsOf(env: Record<string, string>, cwd = emptyDir()): string[] {
  try {
    loadConfig(env, cwd);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("configuration", () => {
  it("starts on embedded defaults with an empty environment", () => {
    const config = loadConfig({}, emptyDir());
    expect(config.server).toMatchObject({ port: 3000, host: "127.0.0.1", dataDir: "./data", logLevel: "info" });
    expect(config.database.url).toBeUndefined();
    expect(config.venue.id).toBe("simulator");
    expect(config.trading.mode).toBe("paper");
    expect(config.risk.maxOpenPositions).toBe(3);
  });

  it("names the key, the bad value and the fix", () => {
    const [problem] = problemsOf({ PORT: "eighty" });
    expect(problem).toContain("PORT");
    expect(problem).toContain('"eighty"');
    expect(problem).toMatch(/fix: /);
    expect(problemsOf({ TRADING_MODE: "yolo" })[0]).toMatch(/TRADING_MODE="yolo".*fix: use ghost, paper or live/);
    expect(problemsOf({ PORT: "70000" })[0]).toMatch(/PORT=70000/);
  });

  it("never echoes a secret", () => {
    const problems = problemsOf({ TRADEKEEL_API_TOKEN: "too-short-secret", DATABASE_URL: "mysql://u:hunter2@x/db" });
    expect(problems.join("\n")).not.toContain("too-short-secret");
    expect(problems.join("\n")).not.toContain("hunter2");
    expect(problems.join("\n")).toContain("(hidden)");
    expect(problems).toHaveLength(2);
  });

  it("reads a JSON config file, with the environment taking precedence", () => {
    const dir = emptyDir();
    writeFileSync(path.join(dir, "tradekeel.config.json"), JSON.stringify({ risk: { maxOpenPositions: 2 }, server: { port: 4000 } }));
    const config = loadConfig({ PORT: "5000" }, dir);
    expect(config.risk.maxOpenPositions).toBe(2);
    expect(config.server.port).toBe(5000);
  });

  it("reports a bad value inside the config file with its location", () => {
    const dir = emptyDir();
    writeFileSync(path.join(dir, "tradekeel.config.json"), JSON.stringify({ risk: { dailyLossPct: -5 } }));
    expect(problemsOf({}, dir)[0]).toMatch(/risk\.dailyLossPct in .*tradekeel\.config\.json=-5/);
    writeFileSync(path.join(dir, "tradekeel.config.json"), "{ not json");
    expect(problemsOf({}, dir)[0]).toMatch(/valid JSON/);
  });

  it("rejects unknown keys in the config file, naming each key's path and the fix", () => {
    const dir = emptyDir();
    const file = path.join(dir, "tradekeel.config.json");
    writeFileSync(file, JSON.stringify({ riks: { dailyLossPct: 2 }, trading: { bogus: true, symbls: ["BTC/USDT"] }, risk: { dailyLosPct: 2 } }));
    const problems = problemsOf({}, dir);
    expect(problems).toHaveLength(4);
    const text = problems.join("\n");
    expect(text).toContain(`riks in ${file}: unknown key; fix: did you mean "risk"?`);
    expect(text).toContain(`trading.symbls in ${file}: unknown key; fix: did you mean "trading.symbols"?`);
    expect(text).toContain(`risk.dailyLosPct in ${file}: unknown key; fix: did you mean "risk.dailyLossPct"?`);
    // No near miss: the fix lists the keys the section has.
    expect(text).toMatch(/trading\.bogus in .*: unknown key; fix: remove it; the keys of "trading" are mode, symbols, /);
  });

  it("never echoes the value of an unknown (possibly misspelt secret) key", () => {
    const dir = emptyDir();
    writeFileSync(path.join(dir, "tradekeel.config.json"), JSON.stringify({ auth: { adminPasword: "hunter2-hunter2" } }));
    const [problem] = problemsOf({}, dir);
    expect(problem).toMatch(/auth\.adminPasword in .*: unknown key; fix: did you mean "auth\.adminPassword"\?/);
    expect(problem).not.toContain("hunter2");
  });

  it("reports a bad list item from the environment under the variable's name", () => {
    const [problem] = problemsOf({ TRADING_SYMBOLS: "btcusdt" });
    expect(problem).toMatch(/^TRADING_SYMBOLS="btcusdt": item 1 \("btcusdt"\): expected a unified symbol such as "BTC\/USDT"; fix: a comma-separated list/);
    expect(problem).not.toContain("trading.symbols");
    expect(problemsOf({ SIM_SYMBOLS: "BTC/USDT,ethusdt" })[0]).toMatch(/^SIM_SYMBOLS="BTC\/USDT,ethusdt": item 2 \("ethusdt"\)/);
    // The same bad item from the file is reported at its place in the file.
    const dir = emptyDir();
    writeFileSync(path.join(dir, "tradekeel.config.json"), JSON.stringify({ trading: { symbols: ["BTC/USDT", "ethusdt"] } }));
    expect(problemsOf({}, dir)[0]).toMatch(/^trading\.symbols\.1 in .*tradekeel\.config\.json="ethusdt": expected a unified symbol/);
  });

  it.skipIf(!existsSync("/proc/self"))("fails fast on a DATA_DIR under /proc or /sys, naming DATA_DIR", () => {
    const started = performance.now();
    expect(problemsOf({ DATA_DIR: "/proc/tradekeel-data" })[0]).toMatch(/^DATA_DIR="\/proc\/tradekeel-data": .* is under \/proc, a virtual file system .*; fix: set DATA_DIR to a writable folder/);
    expect(problemsOf({ DATA_DIR: "/sys/tradekeel/data" })[0]).toMatch(/^DATA_DIR="\/sys\/tradekeel\/data": .* under \/sys/);
    expect(performance.now() - started).toBeLessThan(5_000);
    const dir = emptyDir();
    writeFileSync(path.join(dir, "tradekeel.config.json"), JSON.stringify({ server: { dataDir: "/proc/self/tk" } }));
    expect(problemsOf({}, dir)[0]).toMatch(/^server\.dataDir in .*tradekeel\.config\.json="\/proc\/self\/tk": .*under \/proc.*fix: set DATA_DIR/);
  });

  it("rejects a DATA_DIR that is a file", () => {
    const dir = emptyDir();
    writeFileSync(path.join(dir, "not-a-folder"), "x");
    expect(problemsOf({ DATA_DIR: path.join(dir, "not-a-folder") })[0]).toMatch(/^DATA_DIR=".*not-a-folder": is a file, not a folder; fix: set DATA_DIR/);
    expect(problemsOf({ DATA_DIR: path.join(dir, "not-a-folder", "db") })[0]).toMatch(/not-a-folder is a file, not a folder/);
    expect(problemsOf({ DATA_DIR: path.join(dir, "new", "nested") })).toEqual([]);
  });

  it.skipIf(!existsSync("/proc/self"))("the server exits at once with a message when DATA_DIR is under /proc (no busy loop)", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "server/index.ts"], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: "/proc/tradekeel-data" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/DATA_DIR="\/proc\/tradekeel-data": .*under \/proc/);
  });

  it("stops the server process with a clear message and a non-zero exit", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "server/index.ts"], {
      cwd: ROOT,
      env: { ...process.env, PORT: "not-a-port", DATA_DIR: emptyDir() },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/PORT="not-a-port": not a whole number; fix: set PORT/);
  });
});
