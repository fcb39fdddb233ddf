import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, ConfigError } from "../../server/config";

/** ROLE, REDIS_URL, TRADEKEEL_QUEUE_PREFIX (issue 19): defaults, and every refusal names the keys and the fix. */
const dir = () => mkdtempSync(path.join(tmpdir(), "tk-cluster-"));
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, dir());
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
const PG = "postgresql://u@db:5432/tk";

describe("cluster configuration", () => {
  it("defaults to all three roles in one process, no Redis, prefix tradekeel", () => {
    const config = loadConfig({}, dir());
    expect(config.cluster).toEqual({ roles: ["engine", "web", "worker"], redisUrl: undefined, queuePrefix: "tradekeel", jobLockMs: 30_000, standby: false });
  });

  it("reads ROLE as a comma list (order and repeats do not matter), REDIS_URL and the prefix", () => {
    const config = loadConfig({ ROLE: "worker, engine,worker", REDIS_URL: "redis://127.0.0.1:6379", DATABASE_URL: PG, TRADEKEEL_QUEUE_PREFIX: "desk-2" }, dir());
    expect(config.cluster.roles).toEqual(["engine", "worker"]);
    expect(config.cluster.redisUrl).toBe("redis://127.0.0.1:6379");
    expect(config.cluster.queuePrefix).toBe("desk-2");
  });

  it("refuses an unknown role, a bad Redis URL (hidden: it may hold a password) and a bad prefix", () => {
    const problems = problemsOf({ ROLE: "engine,wrker", REDIS_URL: "http://secret@x", TRADEKEEL_QUEUE_PREFIX: "a b" });
    expect(problems.find((p) => p.startsWith("ROLE="))).toMatch(/item 2 \("wrker"\).*engine, web or worker.*fix:/);
    const redis = problems.find((p) => p.startsWith("REDIS_URL="))!;
    expect(redis).toMatch(/\(hidden\).*redis:\/\/.*fix:/);
    expect(redis).not.toContain("secret");
    expect(problems.find((p) => p.startsWith("TRADEKEEL_QUEUE_PREFIX="))).toMatch(/fix:/);
  });

  it("a worker apart from the engine needs REDIS_URL, then a database workers can share", () => {
    const noRedis = problemsOf({ ROLE: "worker" });
    expect(noRedis).toHaveLength(1);
    expect(noRedis[0]).toMatch(/^ROLE="worker":.*REDIS_URL is not set; fix: set REDIS_URL=redis:\/\/.*DATABASE_URL=/);
    const noDb = problemsOf({ ROLE: "worker", REDIS_URL: "redis://127.0.0.1:6379" });
    expect(noDb).toHaveLength(1);
    expect(noDb[0]).toMatch(/^ROLE="worker":.*DATABASE_URL is not set.*embedded database.*fix: set DATABASE_URL=postgresql:\/\//);
    expect(problemsOf({ ROLE: "worker", REDIS_URL: "redis://127.0.0.1:6379", DATABASE_URL: PG })).toEqual([]);
  });

  it("REDIS_URL with the embedded database is refused (remote workers could not store results)", () => {
    const problems = problemsOf({ REDIS_URL: "redis://127.0.0.1:6379" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^REDIS_URL=\(hidden\):.*DATABASE_URL is not set.*fix: set DATABASE_URL=.*or unset REDIS_URL/);
  });

  it("a web node without the engine needs REDIS_URL", () => {
    const problems = problemsOf({ ROLE: "web" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^ROLE="web":.*REDIS_URL is not set; fix: set REDIS_URL=.*ROLE=engine,web/);
    expect(problemsOf({ ROLE: "web", REDIS_URL: "redis://127.0.0.1:6379", DATABASE_URL: PG })).toEqual([]);
    expect(problemsOf({ ROLE: "engine,web" })).toEqual([]);
  });
});
