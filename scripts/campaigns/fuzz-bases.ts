/**
 * Valid requests the fuzz campaign starts from (scripts/campaigns/fuzz.ts). A hostile value in an
 * otherwise valid body reaches past the validator's first complaint ("name is required") into the
 * service and the database, where NUL characters, lone surrogates and 1e308 used to end in a 500;
 * a real id in the path reaches the handler past its 404.
 *
 * Routes that need a signed-in session (POST /api/tokens, /api/auth/*) answer 403 to the campaign's
 * API token before they read the body, so they have no base here (their validation has unit tests).
 *
 * Each base is sent once as it is before the fuzzing (the answer is recorded: a base the API no
 * longer accepts shows as a failed check, so the bases are kept in step with docs/api.md).
 */

const MA = { kind: "ma_crossover", params: { fastPeriod: 9, slowPeriod: 21, maType: "ema" } };

/** `METHOD /api/pattern` → a body the route accepts (2xx). */
export const BASES: Record<string, Record<string, unknown>> = {
  "POST /api/strategies": { name: "fuzz strategy", ...MA, symbols: ["BTC/USDT"], timeframe: "5m", capital: 100, status: "paused" },
  "PATCH /api/strategies/[id]": { name: "fuzz strategy renamed", ...MA, symbols: ["BTC/USDT"], timeframe: "5m", capital: 120 },
  "POST /api/sessions": { name: "fuzz session", capital: 100, durationMin: 60, symbols: ["BTC/USDT"], strategy: { ...MA, timeframe: "5m" }, stopLossPct: 2, takeProfitPct: 5, maxPositionQuote: 50, maxOpenPositions: 1, profitTarget: 6, maxLoss: 15 },
  // A market buy the default risk limits accept: ~78 USDT at the simulator's ~65,000 (the minimum position is
  // 50 USDT, the largest 2,000), its default 2 % stop and 5 % target give reward:risk 2.5:1 (at least 2:1).
  "POST /api/orders/preview": { symbol: "BTC/USDT", side: "buy", type: "market", quantity: 0.0012 },
  "POST /api/orders": { symbol: "BTC/USDT", side: "buy", type: "market", quantity: 0.0012 },
  "POST /api/alerts/channels": { kind: "webhook", name: "fuzz hook", enabled: false, settings: { url: "http://127.0.0.1:9/hook" } },
  "PUT /api/alerts/channels/[id]": { kind: "webhook", name: "fuzz hook renamed", enabled: false, settings: { url: "http://127.0.0.1:9/hook2" } },
  "POST /api/backtests": { strategies: [{ ...MA, symbols: ["BTC/USDT"], timeframe: "1h", capital: 100, name: "fuzz backtest" }], from: "2024-01-01", to: "2024-01-02" },
  "POST /api/mode": { mode: "paper", confirm: true },
};

/** Resources created before the fuzzing, so `[id]` routes have a real id: `METHOD path`, body, the path parameter it names. */
export const SEEDS: Array<{ create: string; body: Record<string, unknown>; param: string; routes: RegExp }> = [
  { create: "POST /api/strategies", body: BASES["POST /api/strategies"], param: "id", routes: /^\/api\/strategies\/\[id\]/ },
  { create: "POST /api/sessions", body: BASES["POST /api/sessions"], param: "id", routes: /^\/api\/sessions\/\[id\]/ },
  { create: "POST /api/alerts/channels", body: BASES["POST /api/alerts/channels"], param: "id", routes: /^\/api\/alerts\/channels\/\[id\]/ },
  { create: "POST /api/backtests", body: BASES["POST /api/backtests"], param: "id", routes: /^\/api\/backtests\/\[id\]/ },
];

/** Query keys the GET routes read (docs/api.md), each given the hostile query values. */
export const QUERY_KEYS = ["symbol", "timeframe", "limit", "mode", "kind", "from", "to", "format", "status", "before", "page", "pageSize", "sort", "order", "include", "depth", "side", "strategy", "result", "severity", "offset", "part", "summary"];

/** Hostile values for a query key, already URL-encoded (%00 = NUL, %ED%A0%80 = a lone surrogate's UTF-8). */
export const QUERY_VALUES = ["%00", "a%00b", "%ED%A0%80", "%F0%9F%92%A9", "NaN", "1e999", "-1", "1e308", encodeURIComponent("<script>alert(1)</script>"), "a".repeat(10_000), "%5B%5D"];

/** The first string id in a created resource (its own `id`, or one level down: `{ session: { id } }`). */
export function idOf(json: unknown): string | null {
  if (!json || typeof json !== "object") return null;
  const o = json as Record<string, unknown>;
  if (typeof o.id === "string" || typeof o.id === "number") return String(o.id);
  for (const v of Object.values(o)) if (v && typeof v === "object" && !Array.isArray(v) && (typeof (v as Record<string, unknown>).id === "string" || typeof (v as Record<string, unknown>).id === "number")) return String((v as Record<string, unknown>).id);
  return null;
}
