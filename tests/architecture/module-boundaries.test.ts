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
  core: "shared kernel by design: clock, errors, ids, decimal, retry, logger... leaf files that import no module; an index would make every importer (backtest workers, the browser) load all of them, pino included",
  model: "shared domain types by design (orders, fills, positions, candles): leaf type files every module and the browser use; no behaviour behind them to hide",
  http: "route-handler helpers imported file by file by app/api routes (route.ts, input.ts, host.ts, services.ts)",
  composition: "the composition root's factories, imported only by server/app.ts",
};

/** Files importable on their own despite their module's index, and why. */
const ALLOWED: Record<string, string> = {
  "server/config/risk-limits": "pure zod schema of the risk limits (the browser uses it); config's index also loads files and the environment (load.ts)",
  "server/config/schema": "pure zod schema of the configuration; config's index also loads files and the environment (load.ts)",
  "server/config/alerts": "pure zod schema of the alert settings; config's index also loads files and the environment (load.ts)",
  "server/market/pure": "market without ccxt (candle CSV, aggregation, timeframes, the candle store port): the backtester and its worker threads load it; market's index loads ccxt",
  "server/auth/pure": "cookie and header names, the login path rules and the security headers, with no Node or Next import: the Next proxy (edge), the browser's login page and the fast-read path load it; auth's index loads node:crypto and the service",
  "server/auth/page-session": "the Next page guard (next/headers, next/navigation): only Next layouts may load it; auth's index is also loaded by the custom server outside Next",
  "server/alerts/types": "pure alert kinds, severities and shapes (the browser's alerts page uses ALERT_KINDS); alerts' index loads the service, the channels (nodemailer, grammy) and the route helpers",
  "server/alerts/schemas": "pure zod schemas of the alert requests (the browser types its channel form with them); alerts' index loads the service and the channels",
  "server/engine/runtime": "the engine's second entry, the live runtime (EngineRuntime, assembled by server/composition, which reaches ccxt through the venue factory and market): engine's index is the kernel entry backtest workers load, and re-exports only the runtime's types",
  "server/db/repositories": "the repositories without the database driver: route handlers, bundled by Next, build use cases over the running process's Prisma client (server/http/route.ts, application/compat.ts); db's index also loads the factory (PGlite, pg, the migrator with import.meta.dirname)",
  "server/simulator/futures/urls": "pure URL table pointing ccxt's binanceusdm at the simulator, loaded by market/exchange.ts: the simulator's index loads its HTTP server and, through simulator/csv.ts, market's index itself (a cycle)",
};

/**
 * Imports that break the rule today: "importer -> target". Remove an entry when its import is fixed
 * (the test says which are gone). Empty since issue 13: a new deep import is fixed at once (export
 * what it needs from the target's index) rather than listed here.
 */
const KNOWN_VIOLATIONS: readonly string[] = [];

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

/** Files a file loads at run time, transitively (type-only imports are erased, so they are skipped), and the packages they reach. */
function runtimeClosure(rel: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const resolve = (from: string, spec: string): string | null => {
    const target = spec.startsWith("@/") ? spec.slice(2) : path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
    const base = target.replace(/\.(js|mjs)$/, "");
    return [`${base}.ts`, `${base}.tsx`, `${base}/index.ts`].find((c) => fs.existsSync(path.join(ROOT, c))) ?? null;
  };
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = ts.createSourceFile(file, fs.readFileSync(path.join(ROOT, file), "utf8"), ts.ScriptTarget.Latest);
    for (const node of source.statements) {
      let spec: string | undefined;
      if (ts.isImportDeclaration(node)) {
        const clause = node.importClause;
        const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
        const typeOnly = clause?.isTypeOnly || (clause && !clause.name && named && named.length > 0 && named.every((e) => e.isTypeOnly));
        if (!typeOnly) spec = (node.moduleSpecifier as ts.StringLiteral).text;
      } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
        const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : undefined;
        if (!node.isTypeOnly && !(named && named.length > 0 && named.every((e) => e.isTypeOnly))) spec = (node.moduleSpecifier as ts.StringLiteral).text;
      }
      if (spec === undefined) continue;
      if (spec.startsWith(".") || spec.startsWith("@/")) {
        const next = resolve(file, spec);
        if (next) visit(next);
      } else packages.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]);
    }
  };
  visit(rel);
  return { files, packages };
}

describe("module boundaries: every module's public surface is its index.ts", () => {
  it("every folder under server/ has an index.ts, or is listed with the reason it has none", () => {
    const missing = serverFolders().filter((name) => !fs.existsSync(path.join(ROOT, "server", name, "index.ts")) && !(name in NO_SURFACE));
    expect(missing, "give these modules an index.ts (or list them in NO_SURFACE with a reason)").toEqual([]);
    const stale = Object.keys(NO_SURFACE).filter((name) => fs.existsSync(path.join(ROOT, "server", name, "index.ts")) || !fs.existsSync(path.join(ROOT, "server", name)));
    expect(stale, "these folders now have an index.ts (or are gone): remove them from NO_SURFACE").toEqual([]);
  });

  it("the allowed exceptions still exist", () => {
    const gone = Object.keys(ALLOWED).filter((target) => !fs.existsSync(path.join(ROOT, `${target}.ts`)) && !fs.existsSync(path.join(ROOT, target, "index.ts")));
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

  it("the pure entry points stay pure: backtest workers load no ccxt or Prisma, the browser's entries no Node or Next", () => {
    // server/market/pure: what the backtester and its worker threads read candles through.
    const market = runtimeClosure("server/market/pure.ts").packages;
    expect([...market].filter((p) => p === "ccxt" || p === "ws" || p.startsWith("@prisma"))).toEqual([]);
    // The backtest worker thread as a whole: no ccxt, no database driver.
    const worker = runtimeClosure("server/backtest/worker.ts").packages;
    expect([...worker].filter((p) => p === "ccxt" || p === "ws" || p.startsWith("@prisma") || p === "pg")).toEqual([]);
    // Loaded by the browser (login page, alerts page) and the edge proxy: no Node built-in, no Next, no other package but zod.
    for (const entry of ["server/auth/pure.ts", "server/alerts/types.ts", "server/alerts/schemas.ts"]) {
      expect([...runtimeClosure(entry).packages].filter((p) => p !== "zod"), entry).toEqual([]);
    }
    // The engine's kernel entry (what backtest workers load): no ccxt, no database, not the live runtime.
    const kernel = runtimeClosure("server/engine/index.ts");
    expect([...kernel.packages].filter((p) => p === "ccxt" || p === "ws" || p.startsWith("@prisma") || p === "pg" || p === "@electric-sql/pglite")).toEqual([]);
    expect(kernel.files.has("server/engine/runtime.ts")).toBe(false);
    // The repositories route handlers load: no database driver, no migrator.
    const repositories = runtimeClosure("server/db/repositories/index.ts");
    expect([...repositories.packages].filter((p) => p === "pg" || p === "@electric-sql/pglite" || p === "pglite-prisma-adapter" || p === "@prisma/adapter-pg")).toEqual([]);
    expect(repositories.files.has("server/db/migrate.ts")).toBe(false);
    // The scanner itself: a file that loads ccxt is seen doing so.
    expect(runtimeClosure("server/market/index.ts").packages.has("ccxt")).toBe(true);
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
