import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * "Every module's public surface is its index.ts; nothing imports another module's internals"
 * (issue 13, rules of the redesign). A module is a folder directly under server/. Production code in
 * server/, app/ and components/ may import another module only through its index (`../risk`,
 * `@/server/portfolio`), never a file inside it (`../risk/calendar`). Imports inside one module are
 * free. Tests (`*.test.ts`, `__tests__/`) are not checked: they may drive a module's internals and
 * share its fixtures.
 *
 * Three lists, each kept short and each entry with its reason:
 * - NO_SURFACE: folders that have no index.ts, so their files are imported one by one.
 * - ALLOWED: real, lasting exceptions (a file that must be importable on its own).
 * - KNOWN_VIOLATIONS: imports that break the rule today, with their owner's task. The test fails on
 *   any violation not listed AND on a listed one that is gone, so the list only shrinks.
 */

const ROOT = path.resolve(__dirname, "../..");

/** Folders under server/ without an index.ts, and why. A new folder needs an index.ts or an entry here. */
const NO_SURFACE: Record<string, string> = {
  core: "shared kernel: clock, errors, ids, decimal, retry, logger... small leaf files every module imports one by one",
  model: "shared domain types (orders, fills, positions, candles): leaf type files",
  db: "Prisma client factory, migrations, generated client and repositories: no facade yet",
  engine: "the trading kernel: no index.ts yet (its files are imported by composition/, application/ and tests)",
  http: "route-handler helpers imported file by file by app/api routes (route.ts, input.ts, services.ts)",
  golive: "go-live checklist, drift, reconciliation: no index.ts yet",
  alerts: "alert channels and rules: no index.ts yet",
  composition: "the composition root's factories, imported only by server/app.ts",
  conformance: "venue conformance suite (a CLI and its scenarios), imported by nothing",
};

/** Files importable on their own despite their module's index, and why. */
const ALLOWED: Record<string, string> = {
  "server/config/risk-limits": "pure zod schema of the risk limits (the browser uses it); config's index also loads files and the environment (load.ts)",
  "server/config/schema": "pure zod schema of the configuration; config's index also loads files and the environment (load.ts)",
  "server/config/alerts": "pure zod schema of the alert settings; config's index also loads files and the environment (load.ts)",
};

/**
 * Imports that break the rule today: "importer -> target". Remove an entry when its import is fixed
 * (the test says which are gone). Owners: the backtest/jobs helper, the auth owner, the simulator
 * and paper-venue helper, the UI and the AI insights.
 */
const KNOWN_VIOLATIONS: readonly string[] = [
  // backtest: its index loads the whole runner; jobs and the UI use pieces of it (backtest/jobs helper).
  "server/app.ts -> server/backtest/optimise",
  "server/http/services.ts -> server/backtest/service",
  "server/jobs/client.ts -> server/backtest/config",
  "server/jobs/client.ts -> server/backtest/evaluate",
  "server/jobs/client.ts -> server/backtest/optimise",
  "server/jobs/client.ts -> server/backtest/pool",
  "server/jobs/client.ts -> server/backtest/runner",
  "server/jobs/client.ts -> server/backtest/service",
  "server/jobs/evaluations.ts -> server/backtest/evaluate",
  "server/jobs/queues.ts -> server/backtest/config",
  "server/jobs/queues.ts -> server/backtest/evaluate",
  "server/jobs/worker.ts -> server/backtest/data",
  "server/jobs/worker.ts -> server/backtest/evaluate",
  "server/jobs/worker.ts -> server/backtest/runner",
  "server/jobs/worker.ts -> server/backtest/service",
  "server/jobs/worker.ts -> server/backtest/store",
  "app/api/optimisations/[id]/route.ts -> server/backtest/optimise",
  "app/api/optimisations/route.ts -> server/backtest/optimise",
  "components/backtest/backtest-view.ts -> server/backtest/runner",
  "components/backtest/optimiser-panel.tsx -> server/backtest/optimise",
  "components/backtest/optimiser-panel.tsx -> server/backtest/evaluate",
  // backtest reads CSV files and aggregates without loading ccxt (market's index does): a pure
  // market entry point (or moving the CSV parser and aggregator) would fix these.
  "server/backtest/cli.ts -> server/market/csv",
  "server/backtest/data.ts -> server/market/aggregator",
  "server/backtest/data.ts -> server/market/candle-store",
  "server/backtest/data.ts -> server/market/csv",
  // auth: pure helpers (secret box, TOTP, host policy, headers, cookies) imported beside the service.
  "server/alerts/store.ts -> server/auth/secret-box",
  "server/alerts/wiring.ts -> server/auth/secret-box",
  "server/alerts/wiring.ts -> server/auth/totp",
  "server/golive/load-history.ts -> server/auth/audit",
  "server/http/fast-reads.ts -> server/auth/headers",
  "server/http/route.ts -> server/auth/host",
  "server/metrics/http.ts -> server/auth/host",
  "app/(dashboard)/layout.tsx -> server/auth/page-session",
  "app/login/login-card.tsx -> server/auth/cookies",
  // execution and simulator pieces beside their index: the simulator's futures URLs, venue errors, reconciliation (simulator/paper-venue helper).
  "server/market/exchange.ts -> server/simulator/futures/urls",
  "server/conformance/scenarios.ts -> server/execution/errors",
  "server/conformance/venues.ts -> server/execution/live-venue",
  "server/engine/runtime.ts -> server/execution/reconcile",
  // application, AI, strategies, pairs, metrics: pieces not (yet) on their module's index.
  "server/alerts/wiring.ts -> server/application/compat",
  "server/alerts/wiring.ts -> server/metrics/wiring",
  "server/composition/accounts.ts -> server/application/event-recorder",
  "server/composition/engine.ts -> server/application/event-recorder",
  "server/http/services.ts -> server/ai/insights-service",
  "app/api/insights/models/route.ts -> server/ai/api-schemas",
  "app/api/insights/route.ts -> server/ai/api-schemas",
  "app/api/insights/train/route.ts -> server/ai/api-schemas",
  "app/api/strategies/kinds/route.ts -> server/strategy/listing",
  "app/metrics/route.ts -> server/metrics/http",
  "components/strategies/strategies-page.tsx -> server/strategy/registry",
  "components/strategies/strategies-page.tsx -> server/strategy/user/loader",
  "components/strategies/strategies-page.tsx -> server/pairs/rank",
  "components/strategies/use-strategies-page.ts -> server/strategy/listing",
  "components/strategies/use-strategies-page.ts -> server/pairs/rank",
  // cluster (web and engine processes): in progress in the same session.
  "server/cluster/codec.ts -> server/application/context",
  "server/index.ts -> server/cluster/leadership",
];

const SOURCE = /\.(ts|tsx|mts|cts)$/;
const isTest = (rel: string) => /\.test\.tsx?$/.test(rel) || rel.split("/").includes("__tests__");

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string) => {
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const child = path.join(abs, entry.name);
      const rel = path.relative(ROOT, child).split(path.sep).join("/");
      if (entry.isDirectory()) {
        if (rel === "server/db/generated") continue; // the generated Prisma client
        walk(child);
      } else if (SOURCE.test(entry.name) && !entry.name.endsWith(".d.ts") && !isTest(rel)) out.push(rel);
    }
  };
  walk(path.join(ROOT, dir));
  return out;
}

/** Every import, re-export and dynamic import of a file, as written. */
function importsOf(rel: string): string[] {
  const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, rel), "utf8"), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** The repository path an import points to (no extension, no /index), or null outside server/. */
function targetOf(importer: string, spec: string): string | null {
  let target: string;
  if (spec.startsWith("@/")) target = spec.slice(2);
  else if (spec.startsWith(".")) target = path.posix.normalize(path.posix.join(path.posix.dirname(importer), spec));
  else return null;
  target = target.replace(/\.(js|ts|tsx|mjs)$/, "").replace(/\/index$/, "");
  return target.startsWith("server/") ? target : null;
}

const moduleOf = (file: string): string | null => {
  const parts = file.split("/");
  return parts[0] === "server" && parts.length > 2 ? parts[1] : null;
};

function serverFolders(): string[] {
  return fs
    .readdirSync(path.join(ROOT, "server"), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
}

function violations(): string[] {
  const found = new Set<string>();
  for (const importer of [...sourceFiles("server"), ...sourceFiles("app"), ...sourceFiles("components")]) {
    const from = moduleOf(importer);
    for (const spec of importsOf(importer)) {
      const target = targetOf(importer, spec);
      if (target === null) continue;
      const parts = target.split("/");
      if (parts.length <= 2) continue; // a module's index, or a top-level file of server/
      const to = parts[1];
      if (to === from || to in NO_SURFACE || target in ALLOWED) continue;
      found.add(`${importer} -> ${target}`);
    }
  }
  return [...found].sort();
}

describe("module boundaries: every module's public surface is its index.ts", () => {
  it("every folder under server/ has an index.ts, or is listed with the reason it has none", () => {
    const missing = serverFolders().filter((name) => !fs.existsSync(path.join(ROOT, "server", name, "index.ts")) && !(name in NO_SURFACE));
    expect(missing, "give these modules an index.ts (or list them in NO_SURFACE with a reason)").toEqual([]);
    const stale = Object.keys(NO_SURFACE).filter((name) => fs.existsSync(path.join(ROOT, "server", name, "index.ts")) || !fs.existsSync(path.join(ROOT, "server", name)));
    expect(stale, "these folders now have an index.ts (or are gone): remove them from NO_SURFACE").toEqual([]);
  });

  it("the allowed exceptions still exist", () => {
    const gone = Object.keys(ALLOWED).filter((target) => !fs.existsSync(path.join(ROOT, `${target}.ts`)));
    expect(gone).toEqual([]);
  });

  it("no code imports another module's internals, beyond the known violations listed for their owners", () => {
    const found = violations();
    const known = new Set(KNOWN_VIOLATIONS);
    const fresh = found.filter((v) => !known.has(v));
    expect(fresh, "import these through the module's index.ts (export what is needed there)").toEqual([]);
    const fixed = KNOWN_VIOLATIONS.filter((v) => !found.includes(v));
    expect(fixed, "these imports are fixed: remove them from KNOWN_VIOLATIONS").toEqual([]);
  });

  it("the check sees a cross-module import of an internal file, and lets an index import pass", () => {
    // The scanner on this very rule: a deep import is reported, the index and same-module imports are not.
    expect(targetOf("server/alerts/wiring.ts", "../risk/calendar")).toBe("server/risk/calendar");
    expect(targetOf("components/golive/use-go-live.ts", "@/server/risk")).toBe("server/risk");
    expect(targetOf("server/risk/index.ts", "./calendar")).toBe("server/risk/calendar");
    expect(targetOf("server/risk/risk-engine.ts", "../portfolio/index")).toBe("server/portfolio");
    expect(targetOf("server/risk/risk-engine.ts", "zod")).toBeNull();
    expect(moduleOf("server/risk/checks/live-ramp.ts")).toBe("risk");
    expect(moduleOf("server/app.ts")).toBeNull();
    const imports = ts.preProcessFile('import { a } from "../x/y";\nexport * from "./z";\nconst m = await import("../w/v");\nimport type { T } from "@/server/q/r";', true, true);
    expect(imports.importedFiles.map((f) => f.fileName)).toEqual(["../x/y", "./z", "../w/v", "@/server/q/r"]);
  });
});
