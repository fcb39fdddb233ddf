import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../server/config";
import type { StandbyReport } from "../../server/cluster/leadership";
import { openDatabase } from "../../server/db/database";
import { getJson, postgresReachable, startCluster, startEngine, type Cluster } from "./leader-support";

/**
 * ENGINE_STANDBY through the real entry point (server/index.ts): while another process holds the
 * database's engine lock, it waits as a standby — GET /api/health answers 503 "standby" naming the
 * holder, nothing else is served — and SIGTERM while waiting ends it cleanly, having never led. The
 * setting is validated: a standby needs the shared PostgreSQL.
 */
describe("ENGINE_STANDBY is validated", () => {
  const cwd = mkdtempSync(path.join(tmpdir(), "tk-standby-config-"));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it("a standby without DATABASE_URL is refused with the fix", () => {
    expect(() => loadConfig({ ENGINE_STANDBY: "true" }, cwd)).toThrow(ConfigError);
    expect(() => loadConfig({ ENGINE_STANDBY: "true" }, cwd)).toThrow(/ENGINE_STANDBY="true": engines elect their leader .* fix: set DATABASE_URL=/);
  });

  it("a value other than true or false is refused", () => {
    expect(() => loadConfig({ ENGINE_STANDBY: "maybe", DATABASE_URL: "postgresql://u@127.0.0.1:5432/x" }, cwd)).toThrow(/ENGINE_STANDBY/);
  });

  it("off by default; on with DATABASE_URL", () => {
    expect(loadConfig({}, cwd).cluster.standby).toBe(false);
    expect(loadConfig({ ENGINE_STANDBY: "true", DATABASE_URL: "postgresql://u@127.0.0.1:5432/x" }, cwd).cluster.standby).toBe(true);
  });
});

const reachable = await postgresReachable();
if (!reachable) console.warn("standby entry point: skipped, no PostgreSQL (set TEST_DATABASE_URL)");

describe.skipIf(!reachable)("server/index.ts with ENGINE_STANDBY=true while another process leads", () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(`tradekeel_standby_entry_${process.pid}`);
  }, 60_000);
  afterAll(async () => {
    await cluster?.close();
  });

  it("waits as a standby naming the leader, serves nothing else, and stops cleanly on SIGTERM without leading", async () => {
    const leader = await openDatabase({ url: cluster.url, dataDir: "unused" });
    const standby = startEngine(cluster, { entry: "index" });
    try {
      const url = (await standby.line(/engine standby on (http:\/\/\S+):/, 120_000)).line.match(/engine standby on (http:\/\/\S+):/)![1];
      const health = await getJson<StandbyReport>(`${url}/api/health`);
      expect(health.status).toBe(503);
      expect(health.body.status).toBe("standby");
      expect(health.body.db).toMatchObject({ kind: "postgres", ok: true });
      expect(health.body.leader?.name).toContain(`(pid ${process.pid} on`);
      const other = await fetch(`${url}/api/orders`);
      expect(other.status).toBe(503);
      expect(((await other.json()) as { error: { code: string; message: string } }).error.message).toMatch(/hot standby: .* leads/);
      standby.kill("SIGTERM");
      const exit = await standby.exited;
      expect(exit.code, standby.output()).toBe(0);
      expect(standby.output()).not.toMatch(/engine leads|listening/);
      expect((await leader.ping()).ok).toBe(true);
    } finally {
      standby.kill("SIGKILL");
      await standby.exited;
      await leader.close();
    }
  }, 180_000);
});
