import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

/**
 * The server install starts with `docker compose config` (v2, the Compose Specification) or
 * `docker-compose config` (v1.29, what Debian 12 ships). Whichever is installed validates
 * compose.yaml here, with a filled-in .env's values; with neither, the test is skipped and says so.
 * No daemon is needed for `config`.
 */
const root = path.resolve(import.meta.dirname, "../..");

function findCompose(): { cmd: string; args: string[]; label: string } | undefined {
  const v2 = spawnSync("docker", ["compose", "version"], { encoding: "utf8" });
  if (v2.status === 0) return { cmd: "docker", args: ["compose"], label: v2.stdout.trim() };
  const v1 = spawnSync("docker-compose", ["version", "--short"], { encoding: "utf8" });
  if (v1.status === 0) return { cmd: "docker-compose", args: [], label: `docker-compose ${v1.stdout.trim()}` };
  return undefined;
}
const compose = findCompose();
if (!compose) console.warn("compose.yaml validation: skipped, neither `docker compose` nor `docker-compose` is installed (apt-get install docker-compose)");

/** What a filled-in deploy/env.example holds (dummy values of the right shape). */
const FILLED = {
  POSTGRES_PASSWORD: "pg-password-for-the-test",
  TRADEKEEL_MASTER_KEY: "ab".repeat(32),
  METRICS_TOKEN: "cd".repeat(32),
  GRAFANA_ADMIN_PASSWORD: "grafana-password-for-the-test",
};

function config(env: Record<string, string>, extra: string[] = []) {
  // Only PATH/HOME from this process: a variable set on the machine must not fill a gap in the file.
  return spawnSync(compose!.cmd, [...compose!.args, "--project-directory", root, "-f", path.join(root, "compose.yaml"), ...extra, "config"], {
    cwd: root,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", COMPOSE_PROJECT_NAME: "tradekeel", NODE_ENV: "production", ...env },
  });
}

describe.skipIf(!compose)(`compose.yaml validates with ${compose?.label ?? "docker compose"}`, () => {
  it("with a filled-in .env, `config -q` accepts the file, with and without the tls profile", () => {
    for (const extra of [[], ["--profile", "tls"]]) {
      const r = spawnSync(compose!.cmd, [...compose!.args, "--project-directory", root, "-f", path.join(root, "compose.yaml"), ...extra, "config", "-q"], {
        cwd: root,
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", COMPOSE_PROJECT_NAME: "tradekeel", ...FILLED, TRADEKEEL_DOMAIN: "trade.example.com", NODE_ENV: "production" },
      });
      expect(r.status, `${extra.join(" ")}: ${r.stderr}`).toBe(0);
    }
  });

  it("the resolved file carries the values through: the app's database URL and Prometheus's token", () => {
    const r = config(FILLED);
    expect(r.status, r.stderr).toBe(0);
    const resolved = parse(r.stdout) as { services: Record<string, { environment?: Record<string, string>; entrypoint?: string[] }> };
    expect(Object.keys(resolved.services)).toEqual(expect.arrayContaining(["app", "db", "prometheus", "grafana"]));
    expect(resolved.services.app.environment?.DATABASE_URL).toBe(`postgresql://tradekeel:${FILLED.POSTGRES_PASSWORD}@db:5432/tradekeel`);
    expect(resolved.services.prometheus.environment?.METRICS_TOKEN).toBe(FILLED.METRICS_TOKEN);
    expect(resolved.services.app.environment?.METRICS_TOKEN).toBe(FILLED.METRICS_TOKEN);
  });

  it("the unfilled example .env is refused, naming the variable to set", () => {
    const example = Object.fromEntries(
      readFileSync(path.join(root, "deploy/env.example"), "utf8")
        .split("\n")
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    const r = config(example);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/set (TRADEKEEL_MASTER_KEY|METRICS_TOKEN)/);
  });
});
