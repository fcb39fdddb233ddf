import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * `npm start` serves the production build. This builds it on first start, and again whenever the
 * sources the browser bundle depends on have changed since the last build (e.g. after a git pull).
 */
const ROOT = path.resolve(import.meta.dirname, "..");
const INPUTS = ["app", "components", "server", "prisma/schema.prisma", "next.config.ts", "package.json", "tsconfig.json"];
const STAMP = path.join(ROOT, ".next", "tradekeel-build-stamp");

function* files(entry: string): Generator<string> {
  const full = path.join(ROOT, entry);
  if (!existsSync(full)) return;
  if (statSync(full).isFile()) {
    yield full;
    return;
  }
  for (const item of readdirSync(full, { withFileTypes: true })) {
    if (item.name === "node_modules" || item.name === "generated" || item.name.startsWith(".")) continue;
    const rel = path.join(entry, item.name);
    if (item.isDirectory()) yield* files(rel);
    else if (!item.name.endsWith(".test.ts")) yield path.join(ROOT, rel);
  }
}

function sourceHash(): string {
  const hash = createHash("sha256");
  for (const file of [...INPUTS.flatMap((i) => [...files(i)])].sort()) {
    hash.update(path.relative(ROOT, file));
    hash.update(readFileSync(file));
  }
  return hash.digest("hex");
}

const current = sourceHash();
const built = existsSync(path.join(ROOT, ".next", "BUILD_ID")) && existsSync(STAMP) ? readFileSync(STAMP, "utf8").trim() : "";
if (built === current && process.argv[2] !== "--force") {
  process.exit(0);
}
console.log(built ? "sources changed since the last build: building the dashboard…" : "first start: building the dashboard (about a minute)…");
const result = spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
if (result.status !== 0) {
  console.error("tradekeel: the build failed (see above)");
  process.exit(result.status ?? 1);
}
writeFileSync(STAMP, current);
