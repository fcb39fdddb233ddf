import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startInProcessApp, type InProcessApp } from "./app";
import { assertLoopback, check, Deadline, percentile, startResult, waitUntil, type CampaignResult } from "./lib";
import { discoverRoutes, type RouteSpec } from "./routes";
import { BASES, idOf, QUERY_KEYS, QUERY_VALUES, SEEDS } from "./fuzz-bases";

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
/** Hostile JSON values as raw text (NaN, 1e999 and lone surrogates cannot be written by JSON.stringify). */
export function hostileValues(depth: "full" | "short"): Array<[string, string]> {
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
  return depth === "full" ? values : values.filter(([l]) => SHORT_VALUES.includes(l));
}
const SHORT_VALUES = ["Infinity", "1e308", "1 MB string", "script", "NUL", "lone surrogate", "array"];

export function bodyPayloads(depth: "full" | "short"): Array<{ label: string; body: string }> {
  const values = hostileValues("full");
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
  const picked = depth === "full" ? values : values.filter(([l]) => SHORT_VALUES.includes(l));
  for (const [label, raw] of picked) {
    // One field at a time is done on the valid bases (fuzz-bases.ts), where it reaches past the validator.
    out.push({ label: `every field ${label}`, body: `{${FIELDS.map((f) => `"${f}":${raw}`).join(",")}}` });
  }
  return depth === "full" ? out : out.filter((_, i) => (i < 12 && i % 3 === 0) || i >= 12);
}

/**
 * A valid body with one field (top level, or one level down in an object such as `params`,
 * `strategy`, `settings`) replaced by each hostile value, an array field also given it as its only
 * element; then the base with pollution keys and an unknown key added.
 */
export function basePayloads(base: Record<string, unknown>, depth: "full" | "short"): Array<{ label: string; body: string }> {
  // The short run (npm test): what used to reach a 500 past the validator.
  const values = depth === "full" ? hostileValues("full") : hostileValues("short").filter(([l]) => ["1e308", "NUL", "lone surrogate", "script"].includes(l));
  const enc = (o: Record<string, unknown>, replace: Record<string, string>) =>
    `{${Object.entries(o)
      .map(([k, v]) => `${JSON.stringify(k)}:${k in replace ? replace[k] : JSON.stringify(v)}`)
      .join(",")}}`;
  const out: Array<{ label: string; body: string }> = [];
  for (const [key, value] of Object.entries(base)) {
    for (const [label, raw] of values) {
      out.push({ label: `valid but ${key}=${label}`, body: enc(base, { [key]: raw }) });
      if (depth === "full" && Array.isArray(value)) out.push({ label: `valid but ${key}=[${label}]`, body: enc(base, { [key]: `[${raw}]` }) });
    }
    if (depth === "full" && value && typeof value === "object" && !Array.isArray(value)) {
      const inner = value as Record<string, unknown>;
      for (const sub of Object.keys(inner))
        for (const [label, raw] of hostileValues("short")) out.push({ label: `valid but ${key}.${sub}=${label}`, body: enc(base, { [key]: enc(inner, { [sub]: raw }) }) });
    }
  }
  const json = JSON.stringify(base).slice(1, -1);
  out.push({ label: "valid + __proto__", body: `{${json},"__proto__":{"polluted":"yes"}}` });
  out.push({ label: "valid + constructor.prototype", body: `{${json},"constructor":{"prototype":{"polluted":"yes"}}}` });
  out.push({ label: "valid + unknown key", body: `{${json},"bogusKey<script>":1}` });
  return out;
}

/** GET routes: hostile query values for every known query key (plus the generic query payloads). */
export function getQueryPayloads(depth: "full" | "short"): string[] {
  const keys = depth === "full" ? QUERY_KEYS : ["symbol", "kind", "format", "limit", "mode"];
  const values = depth === "full" ? QUERY_VALUES : ["%00", "%ED%A0%80", "1e999"];
  // Every key with the same hostile value at once, then %00 and a lone surrogate in each key alone
  // (a route that reads the first key it finds would stop at the first bad one).
  const alone = depth === "full" ? ["%00", "%ED%A0%80"] : [];
  return [...(depth === "full" ? queryPayloads(depth) : ["?x=%00"]), ...values.map((v) => `?${keys.map((k) => `${k}=${v}`).join("&")}`), ...keys.flatMap((k) => alone.map((v) => `?${k}=${v}`))];
}

export function paramPayloads(depth: "full" | "short"): string[] {
  const all = ["%00", "..%2F..%2Fetc%2Fpasswd", encodeURIComponent(SCRIPT), "%F0%9F%92%A9", "a".repeat(10_000), "-1", "NaN", "1e999", "%ED%A0%80"];
  return depth === "full" ? all : all.slice(0, 2);
}

export function queryPayloads(depth: "full" | "short"): string[] {
  const all = ["?x=%00", `?kind=${encodeURIComponent(SCRIPT)}`, "?limit=1e999", "?limit=-1&before=NaN", `?q=${"a".repeat(100_000)}`, "?__proto__[polluted]=yes"];
  return depth === "full" ? all : all.slice(0, 1);
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
  const result = startResult("campaign-fuzz", { transport: options.url ? `http ${options.url}` : "in-process", depth: options.depth, timeoutMs: options.timeoutMs });
  const routes = discoverRoutes();
  const getRoutes = discoverRoutes({ allMethods: true })
    .filter((r) => r.methods.includes("GET"))
    .map((r) => ({ ...r, methods: ["GET"] }));
  const crashes: string[] = [];
  const onException = (err: unknown) => crashes.push(`uncaught: ${String((err as Error)?.stack ?? err).slice(0, 500)}`);
  const onRejection = (err: unknown) => crashes.push(`unhandled rejection: ${String((err as Error)?.stack ?? err).slice(0, 500)}`);
  process.on("uncaughtException", onException);
  process.on("unhandledRejection", onRejection);

  let inProcess: InProcessApp | undefined;
  let sink: Server | undefined;
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
    // The time bound starts once the application is up (its start-up is slow on a loaded machine).
    const deadline = new Deadline(options.timeoutMs);

    const outcomes: Outcome[] = [];
    /** JSON answers (4xx included) that carry a markup payload back: counted, the UI renders them as text. */
    let markupInJson = 0;
    let currentRoute = "";
    /** The answer's first 300 characters, kept for the valid bases (a refused base names its reason). */
    let lastText = "";
    const run = async (method: string, url: string, label: string, body: string | undefined) => {
      const started = performance.now();
      let status = 0;
      lastText = "";
      let problem: string | null = null;
      try {
        const res = await send(method, url, body);
        status = res.status;
        const type = res.headers.get("content-type") ?? "";
        const download = /attachment/i.test(res.headers.get("content-disposition") ?? "") || /text\/csv/i.test(type);
        const text = await res.text();
        lastText = text.slice(0, 300);
        const markup = MARKUP.some((m) => text.includes(m));
        if (status >= 500) problem = `${status}: ${text.slice(0, 300)}`;
        else if (/html/i.test(type)) problem = `HTML answer (${type})`;
        else if (text.length > 0 && !type.includes("json") && !(download && status < 300)) problem = `not JSON (${type || "no content-type"}): ${text.slice(0, 120)}`;
        else if (markup && !type.includes("json")) problem = `unescaped markup echoed (${type})`;
        else if (text.length > 0 && type.includes("json")) {
          try {
            JSON.parse(text);
          } catch {
            problem = "content-type JSON but the body does not parse";
          }
          if (markup && status >= 400) markupInJson++;
        }
      } catch (err) {
        problem = `threw: ${String((err as Error)?.message ?? err).slice(0, 300)}`;
      }
      if (({} as Record<string, unknown>).polluted !== undefined) {
        problem = `Object.prototype polluted (${label})`;
        delete (Object.prototype as Record<string, unknown>).polluted;
      }
      outcomes.push({ method, path: url.slice(0, 120), label, route: currentRoute, status, ms: performance.now() - started, problem });
      return status;
    };

    // A loopback webhook sink, so a channel's test delivery answers at once (a dead port makes the
    // alert service retry for ~30 s per request). With --url the server's own network decides.
    sink = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
    });
    await new Promise<void>((resolve) => sink!.listen(0, "127.0.0.1", resolve));
    const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
    const withSink = (body: Record<string, unknown>): Record<string, unknown> => JSON.parse(JSON.stringify(body).replaceAll("http://127.0.0.1:9", sinkUrl));
    // Real resources, so `[id]` routes are fuzzed past their 404, and the valid bases checked as they are.
    const ids = new Map<RegExp, string>();
    const seeds: Record<string, string> = {};
    for (const seed of SEEDS) {
      const [method, url] = seed.create.split(" ");
      try {
        const res = await send(method, url, JSON.stringify(withSink(seed.body)));
        const id = idOf(await res.json().catch(() => null));
        seeds[seed.create] = `${res.status}${id ? ` id ${id}` : ""}`;
        if (res.ok && id) ids.set(seed.routes, id);
      } catch (err) {
        seeds[seed.create] = `threw: ${String((err as Error)?.message ?? err).slice(0, 200)}`;
      }
    }
    const fill = (pattern: string) => {
      for (const [re, id] of ids) if (re.test(pattern)) return fillPattern(pattern, encodeURIComponent(id));
      return fillPattern(pattern, "fuzz-id");
    };
    // A market order is priced at the last price: until the first ticker of the symbol arrives the risk
    // engine refuses it (NO_REFERENCE_PRICE), so the order bases wait for a price (the preview reports it).
    const priceWait = Date.now();
    let referencePrice: number | null = null;
    await waitUntil(
      async () => {
        const res = await send("POST", "/api/orders/preview", JSON.stringify(BASES["POST /api/orders/preview"])).catch(() => null);
        const json = (await res?.json().catch(() => null)) as { order?: { price?: number | null } } | null;
        referencePrice = typeof json?.order?.price === "number" ? json.order.price : null;
        return referencePrice !== null;
      },
      Math.min(180_000, deadline.remainingMs),
      () => "no last price for BTC/USDT (POST /api/orders/preview answers price null)",
      250,
    ).catch(() => {});
    const priceWaitMs = Date.now() - priceWait;
    const bases: Record<string, number> = {};
    /** Why a base was refused: the first 300 characters of its answer. */
    const basesRefused: Record<string, string> = {};
    for (const [key, body] of Object.entries(BASES)) {
      const [method, pattern] = key.split(" ");
      currentRoute = pattern;
      bases[key] = await run(method, fill(pattern), "valid base", JSON.stringify(withSink(body)));
      if (bases[key] < 200 || bases[key] >= 300) basesRefused[key] = `${bases[key]} ${lastText}`;
    }
    const basesAccepted = Object.values(bases).filter((s) => s >= 200 && s < 300).length;

    const bodies = bodyPayloads(options.depth);
    const params = paramPayloads(options.depth);
    const queries = queryPayloads(options.depth);
    // Routes that change what the others can do (kill switch, mode, sign-in) go last, deletions after everything.
    const late = (p: string) => /^\/api\/(kill-switch|mode|auth)/.test(p);
    const ordered = [...routes.filter((r) => !late(r.pattern)), ...routes.filter((r) => late(r.pattern))];
    const handlers: Array<{ route: RouteSpec; method: string }> = [
      ...ordered.flatMap((route) => route.methods.filter((m) => m !== "DELETE").map((method) => ({ route, method }))),
      ...ordered.flatMap((route) => route.methods.filter((m) => m === "DELETE").map((method) => ({ route, method }))),
    ];
    let timedOut = false;
    const sendAll = async (method: string, url: string, list: Array<{ label: string; body: string | undefined }>) => {
      for (const b of list) {
        if (deadline.passed) return void (timedOut = true);
        await run(method, url, b.label, b.body);
      }
    };
    for (const { route, method } of handlers) {
      if (timedOut) break;
      currentRoute = route.pattern;
      const before = outcomes.length;
      const url = fill(route.pattern);
      const base = BASES[`${method} ${route.pattern}`];
      if (base) await sendAll(method, url, basePayloads(withSink(base), options.depth));
      await sendAll(method, url, bodies.map((b) => ({ label: b.label, body: method === "DELETE" && b.body === "" ? undefined : b.body })));
      if (route.pattern.includes("[")) for (const p of params) await sendAll(method, fillPattern(route.pattern, p), [{ label: `path ${p.slice(0, 30)}`, body: "{}" }]);
      for (const q of queries) await sendAll(method, `${url}${q}`, [{ label: `query ${q.slice(0, 30)}`, body: "{}" }]);
      log(`${method} ${route.pattern}: ${outcomes.length - before} requests (${outcomes.length} in all)`);
    }
    // Reads: %00, lone surrogates, huge numbers and markup in every query key.
    const reads = getQueryPayloads(options.depth);
    for (const route of getRoutes) {
      if (timedOut) break;
      currentRoute = route.pattern;
      const before = outcomes.length;
      const url = fill(route.pattern);
      for (const q of reads) await sendAll("GET", `${url}${q}`, [{ label: `query ${q.slice(0, 40)}`, body: undefined }]);
      if (route.pattern.includes("[")) for (const p of params) await sendAll("GET", fillPattern(route.pattern, p), [{ label: `path ${p.slice(0, 30)}`, body: undefined }]);
      log(`GET ${route.pattern}: ${outcomes.length - before} requests (${outcomes.length} in all)`);
    }
    const stillAlive = await alive();
    const fives = outcomes.filter((o) => o.status >= 500);
    const problems = outcomes.filter((o) => o.problem);
    const byStatus: Record<string, number> = {};
    for (const o of outcomes) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
    const mutating = routes.reduce((s, r) => s + r.methods.length, 0);
    const checks = [
      check("mutating handlers fuzzed", `${mutating} (${routes.length} routes)`, "every mutating route", routes.length > 0 && !timedOut),
      check("GET handlers fuzzed (queries)", getRoutes.length, "every read route", getRoutes.length > 0 && !timedOut),
      check("resources seeded for [id] routes", `${ids.size}/${SEEDS.length}`, "all", ids.size === SEEDS.length),
      check("valid bases accepted (2xx)", `${basesAccepted}/${Object.keys(BASES).length}`, "all", basesAccepted === Object.keys(BASES).length),
      check("requests", outcomes.length, "all sent before the deadline", !timedOut),
      check("5xx", fives.length, "= 0", fives.length === 0),
      check("crashes", crashes.length, "= 0", crashes.length === 0),
      check("alive at the end", stillAlive ? "yes" : "no", "yes", stillAlive),
      check("other problems (not JSON, HTML, markup echoed, pollution, threw)", problems.length - fives.length, "= 0", problems.length === fives.length),
      check("4xx JSON answers quoting a markup payload", markupInJson, "reported (JSON, not rendered)", true),
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
      const key = `${o.method} ${o.route} ${o.status} ${o.problem?.slice(0, 40)}`;
      if (!firstOfEach.has(key)) firstOfEach.set(key, o);
    }
    return result.finish(checks, { byStatus, seeds, bases, basesRefused, referencePrice, priceWaitMs, fiveXxByRoute, problems: [...firstOfEach.values()].slice(0, 50), crashes: crashes.slice(0, 20) });
  } finally {
    process.off("uncaughtException", onException);
    process.off("unhandledRejection", onRejection);
    await inProcess?.close();
    if (sink) await new Promise<void>((resolve) => sink!.close(() => resolve()));
  }
}
