import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { EventBus } from "../../server/core/event-bus";
import type { EngineEvents } from "../../server/engine/events";
import { createMetrics } from "../../server/metrics";

/**
 * Docker is not on every machine (CI here has none), so `docker compose config` cannot run in the
 * tests: the compose file is parsed and checked for what a server install relies on, the Grafana
 * dashboard may only chart metrics the app really exports, and the image is built as the issue asks.
 */
const root = path.resolve(import.meta.dirname, "../..");
const read = (p: string) => readFileSync(path.join(root, p), "utf8");

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }> | string[];
  profiles?: string[];
  secrets?: string[];
  entrypoint?: string[];
}
const compose = parse(read("compose.yaml"), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown>; secrets?: Record<string, { environment?: string }> };

describe("compose.yaml", () => {
  it("has the app, TimescaleDB, Prometheus, Grafana and an optional Caddy", () => {
    const byDefault = Object.entries(compose.services).filter(([, s]) => !s.profiles).map(([name]) => name);
    expect(byDefault.sort()).toEqual(["app", "db", "grafana", "prometheus"]);
    expect(compose.services.db.image).toMatch(/^timescale\/timescaledb:/);
    expect(compose.services.prometheus.image).toMatch(/^prom\/prometheus:/);
    expect(compose.services.grafana.image).toMatch(/^grafana\/grafana:/);
    expect(compose.services.caddy.profiles).toEqual(["tls"]);
    for (const s of Object.values(compose.services)) expect(s.image ?? s.build).toBeTruthy();
    // Every image is pinned to a version, never :latest (except the one built here).
    for (const [name, s] of Object.entries(compose.services)) if (name !== "app" && s.image !== "tradekeel:latest") expect(s.image).not.toMatch(/:latest$/);
  });

  it("the scale profile runs Redis, one engine, two web nodes and two workers from the image built here, on the one database", () => {
    const scale = Object.entries(compose.services).filter(([, s]) => s.profiles?.includes("scale")).map(([name]) => name);
    expect(scale.sort()).toEqual(["engine", "redis", "web-1", "web-2", "worker-1", "worker-2"]);
    expect(compose.services.redis.image).toMatch(/^redis:\d/);
    for (const name of ["engine", "web-1", "web-2", "worker-1", "worker-2"]) {
      const s = compose.services[name];
      expect(s.image, name).toBe("tradekeel:latest");
      expect(s.environment?.REDIS_URL, name).toMatch(/^redis:\/\/redis:6379/);
      expect(s.environment?.DATABASE_URL, name).toMatch(/@db:5432\//);
    }
  });

  it("the app uses the database, keeps its data in a volume, is reachable only on loopback, and is health-checked", () => {
    const app = compose.services.app;
    expect(app.build).toBe(".");
    expect(app.environment?.DATABASE_URL).toMatch(/^postgresql:\/\/tradekeel:\$\{POSTGRES_PASSWORD[^}]*\}@db:5432\/tradekeel$/);
    expect(app.depends_on).toMatchObject({ db: { condition: "service_healthy" } });
    expect(app.volumes).toContain("app-data:/data");
    expect(app.ports?.every((p) => p.startsWith("127.0.0.1:"))).toBe(true);
    expect(app.healthcheck?.test.join(" ")).toContain("/api/health");
    // Prometheus reaches it as "app": the Host guard must allow that name.
    expect(app.environment?.ALLOWED_HOSTS).toMatch(/^app,/);
    expect(app.environment?.METRICS_TOKEN).toMatch(/^\$\{METRICS_TOKEN:\?/);
    for (const v of ["app-data", "db-data", "prometheus-data", "grafana-data"]) expect(Object.keys(compose.volumes)).toContain(v);
  });

  it("every environment variable the app gets is one Tradekeel reads", async () => {
    const { ENV_BINDINGS } = await import("../../server/config/load");
    const known = new Set([...ENV_BINDINGS.map((b) => b.env), "NODE_ENV"]);
    expect(Object.keys(compose.services.app.environment ?? {}).filter((k) => !known.has(k))).toEqual([]);
  });

  it("every bind-mounted file exists in the repository", () => {
    for (const s of Object.values(compose.services)) {
      for (const v of s.volumes ?? []) {
        if (!v.startsWith("./")) continue;
        expect(existsSync(path.join(root, v.split(":")[0])), v).toBe(true);
      }
    }
  });

  it("Prometheus scrapes app:3000/metrics with the app's metrics token, written to the file its config reads", () => {
    const prometheus = compose.services.prometheus;
    expect(prometheus.environment?.METRICS_TOKEN).toMatch(/^\$\{METRICS_TOKEN:\?/);
    const prom = parse(read("deploy/prometheus/prometheus.yml")) as { scrape_configs: Array<{ metrics_path: string; authorization: { type: string; credentials_file: string }; static_configs: Array<{ targets: string[] }> }> };
    const job = prom.scrape_configs[0];
    expect(job.metrics_path).toBe("/metrics");
    expect(job.authorization.type).toBe("Bearer");
    // The entrypoint writes $METRICS_TOKEN ($$ in compose = a literal $) to that very file, then runs Prometheus.
    const script = prometheus.entrypoint?.[2] ?? "";
    expect(script).toContain(`printf '%s' "$$METRICS_TOKEN" > ${job.authorization.credentials_file}`);
    expect(script).toMatch(/exec \/bin\/prometheus "\$\$@"$/);
    expect(job.static_configs[0].targets).toEqual(["app:3000"]);
  });

  it("uses nothing docker-compose 1.29 cannot read: no top-level name, no environment-backed secrets", () => {
    expect(Object.keys(compose)).not.toContain("name");
    for (const secret of Object.values(compose.secrets ?? {})) expect(secret.environment).toBeUndefined();
  });
});

describe("Grafana dashboard", () => {
  const dashboard = JSON.parse(read("deploy/grafana/dashboards/tradekeel.json")) as { uid: string; panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }> };
  const provisioning = parse(read("deploy/grafana/provisioning/dashboards/tradekeel.yml")) as { providers: Array<{ options: { path: string } }> };

  it("is provisioned from the folder compose mounts", () => {
    expect(provisioning.providers[0].options.path).toBe("/var/lib/grafana/dashboards");
    expect(compose.services.grafana.volumes).toContain("./deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro");
  });

  it("charts only metrics the app exports, and the ones a trader and an operator need", async () => {
    const metrics = createMetrics({ bus: new EventBus<EngineEvents>() });
    const exported = new Set<string>();
    for (const m of await metrics.registry.getMetricsAsJSON()) {
      exported.add(m.name);
      if (m.type === ("histogram" as unknown as typeof m.type)) for (const suffix of ["_bucket", "_sum", "_count"]) exported.add(`${m.name}${suffix}`);
    }
    metrics.stop();
    const used = new Set<string>();
    for (const p of dashboard.panels) for (const t of p.targets ?? []) for (const name of t.expr.match(/tradekeel_[a-z0-9_]+/g) ?? []) used.add(name);
    expect([...used].filter((n) => !exported.has(n))).toEqual([]);
    for (const needed of ["tradekeel_equity", "tradekeel_trading_state", "tradekeel_order_denials_total", "tradekeel_venue_order_latency_seconds_bucket", "tradekeel_candle_to_order_latency_seconds_bucket", "tradekeel_nodejs_eventloop_lag_p99_seconds", "tradekeel_process_resident_memory_bytes", "tradekeel_stream_up"]) {
      expect(used, needed).toContain(needed);
    }
  });
});

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");
  it("is multi-stage, runs as a non-root user and checks /api/health", () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(3);
    const user = /^USER (\S+)$/m.exec(dockerfile)?.[1];
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)$/);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*[\s\S]*\/api\/health/m);
    expect(dockerfile).toMatch(/npm ci --ignore-scripts/);
  });
});
