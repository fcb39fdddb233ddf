/**
 * `npm run kill` — the kill switch from the command line, for when the dashboard is out of reach.
 * It calls the running server's API (POST /api/kill-switch) and follows its progress until the venue
 * confirms the account flat, or reports exactly what is left.
 *
 *   npm run kill                      # flatten everything: halt, cancel all orders, close all positions
 *   npm run kill -- --stop-entries    # lighter: no new entries, positions keep their exits
 *   npm run kill -- --status          # show the last run
 *   npm run kill -- --reset           # back to ACTIVE (asks for confirmation unless --yes)
 * Options: --url http://127.0.0.1:3000 (default from HOST/PORT), --token T (default TRADEKEEL_API_TOKEN).
 */
import { createInterface } from "node:readline/promises";

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};

const host = process.env.HOST && process.env.HOST !== "0.0.0.0" ? process.env.HOST : "127.0.0.1";
const url = (option("url") ?? `http://${host}:${process.env.PORT ?? "3000"}`).replace(/\/$/, "");
const token = option("token") ?? process.env.TRADEKEEL_API_TOKEN;

function fail(message: string): never {
  console.error(`kill: ${message}`);
  process.exit(2);
}

if (!token) fail("no API token: set TRADEKEEL_API_TOKEN (or pass --token) — create one in Settings → API tokens");

async function call(method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await fetch(`${url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    fail(`cannot reach Tradekeel at ${url} (${(err as Error).message}); is it running? Use --url to point elsewhere`);
  }
  const json = (await res.json().catch(() => ({}))) as { status?: Record<string, unknown>; error?: { code: string; message: string } };
  if (!res.ok) fail(`${json.error?.code ?? res.status}: ${json.error?.message ?? res.statusText}`);
  return json as { status: Record<string, unknown> };
}

function describe(status: Record<string, unknown>): string {
  const remaining = status.remaining as { orders: unknown[]; positions: unknown[] } | undefined;
  return [
    `phase ${status.phase}`,
    `orders cancelled ${status.ordersCancelled}`,
    `positions closed ${status.positionsClosed}`,
    `flat confirmed ${status.flatConfirmed ? "yes" : "no"}`,
    remaining && (remaining.orders.length || remaining.positions.length) ? `left: ${remaining.orders.length} orders, ${remaining.positions.length} positions` : "",
  ]
    .filter(Boolean)
    .join(" · ");
}

async function main(): Promise<number> {
  if (flag("status")) {
    console.log(describe((await call("GET", "/api/kill-switch")).status));
    return 0;
  }
  if (flag("reset")) {
    if (!flag("yes")) {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      const answer = await rl.question("Reset trading to ACTIVE? Type RESET to confirm: ");
      rl.close();
      if (answer.trim() !== "RESET") fail("not confirmed; nothing changed");
    }
    await call("POST", "/api/kill-switch/reset", { confirm: true });
    console.log("trading reset to ACTIVE");
    return 0;
  }
  const action = flag("stop-entries") ? "stop-entries" : "flatten";
  const started = Date.now();
  await call("POST", "/api/kill-switch", { action, confirm: true });
  console.log(action === "flatten" ? "KILL SWITCH: halting, cancelling every order, closing every position…" : "Stopping new entries…");
  for (;;) {
    const { status } = await call("GET", "/api/kill-switch");
    if (status.phase !== "running" && status.phase !== "idle") {
      console.log(describe(status));
      for (const p of (status.remaining as { positions: Array<{ mode: string; symbol: string; quantity: number; reason: string }> }).positions) {
        console.log(`  still open: ${p.mode} ${p.symbol} ${p.quantity}: ${p.reason}`);
      }
      for (const e of (status.errors as Array<{ mode: string; step: string; message: string }>).slice(-5)) console.log(`  error: ${e.mode} ${e.step}: ${e.message}`);
      console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return action === "flatten" && !status.flatConfirmed ? 1 : 0;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

main().then((code) => process.exit(code), (err) => fail(String(err)));
