import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
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
