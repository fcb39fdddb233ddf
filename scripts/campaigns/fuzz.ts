import { startInProcessApp, type InProcessApp } from "./app";
import { assertLoopback, check, Deadline, percentile, startResult, type CampaignResult } from "./lib";
import { discoverRoutes } from "./routes";

/**
 * Fuzz campaign: every mutating route (POST/PUT/PATCH/DELETE under app/api) gets malformed JSON,
 * wrong types, NaN/Infinity/huge numbers, 1 MB strings, prototype-pollution keys, control characters,
 * lone surrogates and script payloads, in the body, the path parameters and the query. Pass: 0 5xx,
 * 0 crashes (uncaught exceptions, unhandled rejections, the health check still answering), no
 * prototype polluted, no response that is not JSON, and no unescaped markup echoed.
 *
 * Transports: in-process (default): the real application (server/app.ts: real auth, engine on the
 * built-in simulator, database in a throwaway DATA_DIR) and the real route handlers, called as Next
 * calls them; `url`: a running server over HTTP on loopback (Next, the proxy and the Host guard included).
 */

export interface FuzzOptions {
  /** A running server (loopback), or undefined for in-process. */
  url?: string;
  /** Bearer token for `url` (TRADEKEEL_API_TOKEN of that server). */
  token?: string;
  /** Payloads per route: "full" (every one) or "short" (a representative subset for npm test). */
  depth: "full" | "short";
  timeoutMs: number;
  log?: (line: string) => void;
}

const MB = "x".repeat(1024 * 1024);
const SCRIPT = "<script>alert(1)</script>";
const IMG = `"><img src=x onerror=alert(1)>`;
const MARKUP = [SCRIPT, "<img src=x onerror=alert(1)>"];

const FIELDS = ["name", "symbol", "symbols", "side", "type", "quantity", "price", "capital", "status", "kind", "confirm", "reason", "mode", "id", "params", "limits", "code", "password", "username", "timeframe", "from", "to"];

/** Bodies as raw text (so NaN, 1e999, lone surrogates and broken JSON can be sent as such). */
export function bodyPayloads(depth: "full" | "short"): Array<{ label: string; body: string }> {
  const values: Array<[string, string]> = [
    ["NaN", "NaN"],
    ["Infinity", "1e999"],
    ["-Infinity", "-1e999"],
    ["1e308", "1e308"],
    ["1e23", "1e23"],
    ["-1", "-1"],
    ["2^64", "18446744073709551616"],
    ["string NaN", '"NaN"'],
    ["1 MB string", JSON.stringify(MB)],
    ["script", JSON.stringify(SCRIPT)],
    ["img", JSON.stringify(IMG)],
    ["NUL", '"a\\u0000b"'],
    ["lone surrogate", '"a\\ud800b"'],
    ["array", "[1,2]"],
    ["object", '{"a":1}'],
    ["null", "null"],
    ["bool", "true"],
  ];
  const out: Array<{ label: string; body: string }> = [
    { label: "empty body", body: "" },
    { label: "broken JSON", body: '{"name": ' },
    { label: "not JSON", body: "name=x&y=z" },
    { label: "raw NaN", body: "NaN" },
    { label: "top-level array", body: "[]" },
    { label: "top-level string", body: '"x"' },
    { label: "top-level number", body: "1e999" },
    { label: "__proto__ pollution", body: '{"__proto__":{"polluted":"yes"},"name":"a"}' },
    { label: "constructor pollution", body: '{"constructor":{"prototype":{"polluted":"yes"}}}' },
    { label: "nested __proto__", body: '{"params":{"__proto__":{"polluted":"yes"}},"limits":{"__proto__":{"polluted":"yes"}}}' },
    { label: "deep nesting", body: `${"[".repeat(5000)}${"]".repeat(5000)}` },
    { label: "1 MB body", body: JSON.stringify({ name: MB, reason: MB }) },
  ];
  const picked = depth === "full" ? values : values.filter(([l]) => ["Infinity", "1e308", "1 MB string", "script", "NUL", "lone surrogate", "array"].includes(l));
  for (const [label, raw] of picked) {
    out.push({ label: `every field ${label}`, body: `{${FIELDS.map((f) => `"${f}":${raw}`).join(",")}}` });
    if (depth === "full") for (const f of FIELDS) out.push({ label: `${f}=${label}`, body: `{"${f}":${raw}}` });
  }
  return depth === "full" ? out : out.filter((_, i) => i % 2 === 0 || i >= 12);
}

export function paramPayloads(depth: "full" | "short"): string[] {
  const all = ["%00", "..%2F..%2Fetc%2Fpasswd", encodeURIComponent(SCRIPT), "%F0%9F%92%A9", "a".repeat(10_000), "-1", "NaN", "1e999", "%ED%A0%80"];
  return depth === "full" ? all : all.slice(0, 4);
}

export function queryPayloads(depth: "full" | "short"): string[] {
  const all = ["?x=%00", `?kind=${encodeURIComponent(SCRIPT)}`, "?limit=1e999", "?limit=-1&before=NaN", `?q=${"a".repeat(100_000)}`, "?__proto__[polluted]=yes"];
  return depth === "full" ? all : all.slice(0, 3);
}

interface Outcome {
  method: string;
  path: string;
  label: string;
  /** The route's pattern, e.g. /api/strategies/[id]. */
  route: string;
  status: number;
  ms: number;
  problem: string | null;
}

type Send = (method: string, url: string, body: string | undefined) => Promise<Response>;

function fillPattern(pattern: string, value: string): string {
  return pattern.replace(/\[\.\.\.[^\]]+\]|\[[^\]]+\]/g, value);
}

export async function runFuzzCampaign(options: FuzzOptions): Promise<CampaignResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const result = startResult("campaign-fuzz", { transport: options.url ? `http ${options.url}` : "in-process", depth: options.depth });
  const deadline = new Deadline(options.timeoutMs);
  const routes = discoverRoutes();
  const crashes: string[] = [];
  const onException = (err: unknown) => crashes.push(`uncaught: ${String((err as Error)?.stack ?? err).slice(0, 500)}`);
  const onRejection = (err: unknown) => crashes.push(`unhandled rejection: ${String((err as Error)?.stack ?? err).slice(0, 500)}`);
  process.on("uncaughtException", onException);
  process.on("unhandledRejection", onRejection);

  let inProcess: InProcessApp | undefined;
  let send: Send;
  let alive: () => Promise<boolean>;
  let token = options.token ?? "";
  const origin = options.url ?? "http://127.0.0.1:3000";
  try {
    if (options.url) {
      assertLoopback(options.url);
      send = (method, url, body) =>
        fetch(`${options.url}${url}`, { method, body, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", origin } });
      alive = async () => (await fetch(`${options.url}/api/health`).then((r) => r.status < 500).catch(() => false));
    } else {
      // The short run starts a smaller market (the routes are the same).
      inProcess = await startInProcessApp({
        env: options.depth === "short" ? { SIM_SYMBOLS: "BTC/USDT,ETH/USDT", TRADING_SYMBOLS: "BTC/USDT,ETH/USDT", SIM_HISTORY_DAYS: "0.25" } : {},
      });
      token = inProcess.token;
      const dispatch = inProcess.dispatch;
      send = (method, url, body) =>
        dispatch(new Request(`${origin}${url}`, { method, body, headers: { host: "127.0.0.1:3000", authorization: `Bearer ${token}`, "content-type": "application/json", origin } }));
      const app = inProcess.app;
      alive = async () => (await app.services.health()).status !== "down";
    }

    const outcomes: Outcome[] = [];
    let currentRoute = "";
    const run = async (method: string, url: string, label: string, body: string | undefined) => {
      const started = performance.now();
      let status = 0;
      let problem: string | null = null;
      try {
        const res = await send(method, url, body);
        status = res.status;
        const type = res.headers.get("content-type") ?? "";
        const text = await res.text();
        if (status >= 500) problem = `${status}: ${text.slice(0, 300)}`;
        else if (text.length > 0 && !type.includes("json")) problem = `not JSON (${type || "no content-type"})`;
        else if (MARKUP.some((m) => text.includes(m)) && !type.includes("json")) problem = "unescaped markup echoed";
      } catch (err) {
        problem = `threw: ${String((err as Error)?.message ?? err).slice(0, 300)}`;
      }
      if (({} as Record<string, unknown>).polluted !== undefined) {
        problem = `Object.prototype polluted (${label})`;
        delete (Object.prototype as Record<string, unknown>).polluted;
      }
      outcomes.push({ method, path: url.slice(0, 120), label, route: currentRoute, status, ms: performance.now() - started, problem });
    };

    const bodies = bodyPayloads(options.depth);
    const params = paramPayloads(options.depth);
    const queries = queryPayloads(options.depth);
    outer: for (const route of routes) {
      currentRoute = route.pattern;
      for (const method of route.methods) {
        const plain = fillPattern(route.pattern, "fuzz-id");
        for (const b of bodies) {
          if (deadline.passed) break outer;
          await run(method, plain, b.label, method === "DELETE" && b.body === "" ? undefined : b.body);
        }
        if (route.pattern.includes("[")) for (const p of params) await run(method, fillPattern(route.pattern, p), `path ${p.slice(0, 30)}`, "{}");
        for (const q of queries) await run(method, `${plain}${q}`, `query ${q.slice(0, 30)}`, "{}");
      }
      log(`${route.pattern} ${route.methods.join(",")}: ${outcomes.length} requests so far`);
    }
    const stillAlive = await alive();
    const fives = outcomes.filter((o) => o.status >= 500);
    const problems = outcomes.filter((o) => o.problem);
    const byStatus: Record<string, number> = {};
    for (const o of outcomes) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
    const checks = [
      check("routes", `${routes.length} (${routes.reduce((s, r) => s + r.methods.length, 0)} handlers)`, "every mutating route", routes.length > 0),
      check("requests", outcomes.length, "all sent before the deadline", !deadline.passed),
      check("5xx", fives.length, "= 0", fives.length === 0),
      check("crashes", crashes.length, "= 0", crashes.length === 0),
      check("alive at the end", stillAlive ? "yes" : "no", "yes", stillAlive),
      check("other problems (not JSON, markup echoed, pollution, threw)", problems.length - fives.length, "= 0", problems.length === fives.length),
      check("p95 ms", Math.round(percentile(outcomes.map((o) => o.ms), 0.95) ?? 0), "measured", true),
    ];
    // 5xx per route and answer (code + message), so each distinct defect shows once with its count.
    const fiveXxByRoute: Record<string, number> = {};
    for (const o of fives) {
      const code = /"code":"([A-Z_]+)"/.exec(o.problem ?? "")?.[1] ?? "?";
      const key = `${o.method} ${o.route} -> ${o.status} ${code}`;
      fiveXxByRoute[key] = (fiveXxByRoute[key] ?? 0) + 1;
    }
    const firstOfEach = new Map<string, Outcome>();
    for (const o of problems) {
      const key = `${o.method} ${o.route} ${o.status}`;
      if (!firstOfEach.has(key)) firstOfEach.set(key, o);
    }
    return result.finish(checks, { byStatus, fiveXxByRoute, problems: [...firstOfEach.values()], crashes: crashes.slice(0, 20) });
  } finally {
    process.off("uncaughtException", onException);
    process.off("unhandledRejection", onRejection);
    await inProcess?.close();
  }
}
