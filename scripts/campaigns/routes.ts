import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./lib";

export interface RouteSpec {
  /** e.g. /api/strategies/[id] */
  pattern: string;
  file: string;
  methods: string[];
}

const API_DIR = path.join(ROOT, "app", "api");
const MUTATING = /export\s+(?:const|async\s+function|function)\s+(POST|PUT|PATCH|DELETE)\b/g;
const ANY = /export\s+(?:const|async\s+function|function)\s+(GET|POST|PUT|PATCH|DELETE)\b/g;

/** Route handlers under app/api: mutating methods only unless allMethods. */
export function discoverRoutes(options: { allMethods?: boolean } = {}, dir = API_DIR, base = "/api"): RouteSpec[] {
  const out: RouteSpec[] = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...discoverRoutes(options, full, `${base}/${entry}`));
    else if (entry === "route.ts") {
      const text = readFileSync(full, "utf8");
      const methods = [...text.matchAll(options.allMethods ? ANY : MUTATING)].map((m) => m[1]);
      if (methods.length) out.push({ pattern: base, file: full, methods: [...new Set(methods)] });
    }
  }
  return out.sort((a, b) => a.pattern.localeCompare(b.pattern));
}
