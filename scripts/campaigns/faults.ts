import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { configSchema } from "../../server/config";
import { createLogger } from "../../server/core/logger";
import { openDatabase } from "../../server/db/database";
import { EngineRuntime } from "../../server/engine/runtime";
import { DEFAULT_ACCOUNT, startSimulator } from "../../server/simulator";
import { crashTestConfig } from "../../tests/engine/fixtures/crash-config";
import { check, startResult, table, waitUntil, type CampaignResult } from "./lib";

/**
 * Fault campaign: the bot runs live on a standalone simulator (SIM_URL, loopback) with the default
 * venue-error breaker while it trades a little; each fault is injected in turn through the simulator's
 * /admin/faults, then all at once, then none (recovery). Per phase: HALTED or not and why, orders sent;
 * over the run: every 1m candle exactly once (none missing, none duplicated), the process alive, the
 * time to recover (streams up, candles caught up) once the faults stop.
 * A HALTED caused by partial fills, expired IOC/market remainders, latency or dropped connections fails
 * the campaign: those are normal exchange behaviour, not venue errors.
 */

export interface FaultsOptions {
  /** Total minutes of faults (split evenly over the phases). */
  minutes: number;
  /** Faults to run (default: all). */
  only?: FaultName[];
  log?: (line: string) => void;
}

export type FaultName = "ws-drops" | "5xx" | "429" | "latency" | "rejects" | "partial-fills";
const ALL: FaultName[] = ["ws-drops", "5xx", "429", "latency", "rejects", "partial-fills"];
/** Phases whose HALT is a bug: they are not venue errors. */
const NOT_ERRORS = new Set<string>(["ws-drops", "latency", "partial-fills", "none"]);
const SYMBOLS = ["BTC/USDT", "ETH/USDT"];

interface Phase {
  phase: string;
  seconds: number;
  /** Manual orders the campaign placed in the phase. */
  orders: number;
  /** ... that reached the venue (an order came back). */
  sent: number;
  filled: number;
  /** Filled in part and then expired (the book or the injected fill ratio ran out: an outcome, not an error). */
  partialExpired: number;
  /** Expired with nothing filled. */
  expired: number;
  rejected: number;
  /** Refused by the risk engine before the venue (e.g. while HALTED). */
  refused: number;
  /** placeManualOrder threw (a transport error the caller saw). */
  failed: number;
  /** VENUE_ERROR risk events (what the breaker counts), by kind. */
  venueErrors: number;
  venueErrorKinds: string;
  halted: string;
  candles: number;
}

type Outcome = "filled" | "partialExpired" | "expired" | "rejected" | "refused" | "failed" | "other";

function outcomeOf(result: { decision: { allowed: boolean }; order?: { status: string; filledQuantity?: number | null; quantity: number } }): Outcome {
  const order = result.order;
  if (!order) return result.decision.allowed ? "other" : "refused";
  if (order.status === "filled") return "filled";
  if (order.status === "expired") return (order.filledQuantity ?? 0) > 0 ? "partialExpired" : "expired";
  if (order.status === "rejected") return "rejected";
  return "other";
}

export async function runFaultsCampaign(options: FaultsOptions): Promise<CampaignResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const faults = options.only ?? ALL;
  const phaseMs = Math.max(3_000, Math.round((options.minutes * 60_000) / (faults.length + 1)));
  const result = startResult("campaign-faults", { minutes: options.minutes, faults, phaseSec: phaseMs / 1000 });
  const dataDir = mkdtempSync(path.join(tmpdir(), "tk-campaign-faults-"));
  const sim = await startSimulator({ speed: 60, seed: 11, historyDays: 0.1, symbols: SYMBOLS, accounts: [{ ...DEFAULT_ACCOUNT, balances: { USDT: 1_000_000 } }] });
  const admin = (body: unknown) =>
    fetch(`${sim.restUrl}/admin/faults${body === "reset" ? "/reset" : ""}`, { method: "POST", headers: { "content-type": "application/json" }, body: body === "reset" ? "{}" : JSON.stringify(body) }).then((r) => {
      if (!r.ok) throw new Error(`admin/faults answered ${r.status}`);
    });
  const crashes: string[] = [];
  const onCrash = (err: unknown) => crashes.push(String((err as Error)?.stack ?? err).slice(0, 500));
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
  const input = crashTestConfig(dataDir, sim.restUrl);
  const { venueErrorBreakerCount: _loose, ...risk } = input.risk as Record<string, unknown>;
  const config = configSchema.parse({ ...input, trading: { ...input.trading, symbols: SYMBOLS }, risk });
  const db = await openDatabase({ dataDir });
  const engine = await EngineRuntime.create({ config, db, logger: createLogger("silent") });
  const phases: Phase[] = [];
  const halts: string[] = [];
  /** The venue's rejection texts per phase (what the breaker counted besides the injected faults). */
  const rejectionsByPhase: Record<string, Record<string, number>> = {};
  const seen = new Map<string, number[]>();
  let recoveryMs: number | null = null;
  try {
    engine.bus.on("candle", (c) => {
      if (c.timeframe !== "1m") return;
      const list = seen.get(c.symbol) ?? [];
      list.push(c.openTime);
      seen.set(c.symbol, list);
    });
    await engine.start();
    const account = engine.kernel.accounts.get("live")!;
    await waitUntil(() => SYMBOLS.every((s) => (engine.kernel.activeAccount.lastPrices.get(s) ?? 0) > 0), 120_000, () => "no prices yet");

    let venueErrors: string[] = [];
    engine.bus.on("risk:event", (e) => {
      if (e.code === "VENUE_ERROR") venueErrors.push(String((e.data as { kind?: unknown })?.kind ?? "unclassified"));
    });

    for (const phase of [...faults.map((f) => [f] as string[]), ...(faults.length > 1 ? [faults] : [])]) {
      const name = phase.length === 1 ? phase[0] : "all at once";
      const started = Date.now();
      const candlesBefore = [...seen.values()].reduce((s, l) => s + l.length, 0);
      venueErrors = [];
      let orders = 0;
      let tick = 0;
      const outcomes: Record<Outcome, number> = { filled: 0, partialExpired: 0, expired: 0, rejected: 0, refused: 0, failed: 0, other: 0 };
      const inFlight = new Set<Promise<unknown>>();
      const rejections = new Map<string, number>();
      const constant: Record<string, unknown> = {};
      if (phase.includes("ws-drops")) constant.dropConnectionsEverySec = Math.min(30, Math.max(1, phaseMs / 3000));
      if (phase.includes("latency")) constant.latencyMs = 2000;
      if (phase.includes("partial-fills")) constant.fillRatio = 0.5;
      await admin(constant);
      while (Date.now() - started < phaseMs) {
        tick++;
        const burst: Record<string, unknown> = {};
        if (phase.includes("5xx")) burst.serverErrors = { count: 1, status: 503 };
        if (phase.includes("429") && tick % 10 === 1) burst.rateLimit = { count: 5, retryAfterSec: 1 };
        if (phase.includes("rejects") && tick % 10 === 1) burst.rejectOrders = { count: 2 };
        if (Object.keys(burst).length) await admin(burst);
        if (tick % 2 === 0) {
          const symbol = SYMBOLS[tick % SYMBOLS.length];
          const price = engine.kernel.activeAccount.lastPrices.get(symbol) ?? 0;
          const held = account.ledger.positions().find((p) => p.symbol === symbol && p.side === "long");
          const sell = tick % 6 === 0 && held;
          orders++;
          const placed = engine.kernel
            .placeManualOrder(sell ? { symbol, side: "sell", type: "market", quantity: held!.quantity, actor: "faults-campaign" } : { symbol, side: "buy", type: "market", quantity: 15 / price, actor: "faults-campaign" })
            .then(
              (r) => {
                const o = outcomeOf(r);
                outcomes[o]++;
                if (o === "rejected") rejections.set(String(r.order?.error ?? "?").slice(0, 80), (rejections.get(String(r.order?.error ?? "?").slice(0, 80)) ?? 0) + 1);
              },
              () => void outcomes.failed++,
            );
          inFlight.add(placed);
          void placed.finally(() => inFlight.delete(placed));
        }
        await new Promise((r) => setTimeout(r, 1_000));
      }
      // The phase's orders end under its faults (latency makes them slow), then the faults stop.
      await Promise.race([Promise.all([...inFlight]), new Promise((r) => setTimeout(r, 60_000))]);
      await admin("reset");
      await engine.kernel.idle();
      const state = account.tradingState;
      const reason = state === "HALTED" ? (account.tradingStateReason ?? "HALTED") : "";
      if (state === "HALTED") {
        halts.push(`${name}: ${reason}`);
        await account.risk.reset({ confirm: true, actor: "faults-campaign", reason: `after the ${name} phase` });
      }
      const kinds = new Map<string, number>();
      for (const k of venueErrors) kinds.set(k, (kinds.get(k) ?? 0) + 1);
      const row: Phase = {
        phase: name,
        seconds: Math.round((Date.now() - started) / 1000),
        orders,
        sent: orders - outcomes.refused - outcomes.failed,
        filled: outcomes.filled,
        partialExpired: outcomes.partialExpired,
        expired: outcomes.expired,
        rejected: outcomes.rejected,
        refused: outcomes.refused,
        failed: outcomes.failed,
        venueErrors: venueErrors.length,
        venueErrorKinds: [...kinds].map(([k, n]) => `${k}:${n}`).join(" ") || "-",
        halted: state === "HALTED" ? reason.slice(0, 90) : "no",
        candles: [...seen.values()].reduce((s, l) => s + l.length, 0) - candlesBefore,
      };
      phases.push(row);
      rejectionsByPhase[name] = Object.fromEntries(rejections);
      log(`${name}: ${JSON.stringify(row)}`);
    }

    // Recovery: faults are off; the streams come back and the candles catch up.
    const recoverFrom = Date.now();
    const minuteNow = () => Math.floor(sim.now() / 60_000) * 60_000;
    await waitUntil(
      () => engine.market.status().every((s) => s.state === "live") && SYMBOLS.every((s) => (seen.get(s)?.at(-1) ?? 0) >= minuteNow() - 2 * 60_000),
      120_000,
      () => `streams ${engine.market.status().map((s) => `${s.symbol}/${s.stream}:${s.state}`).join(" ")}`,
    );
    recoveryMs = Date.now() - recoverFrom;
  } catch (err) {
    crashes.push(`aborted: ${String((err as Error)?.message ?? err).slice(0, 500)}`);
  } finally {
    process.off("uncaughtException", onCrash);
    process.off("unhandledRejection", onCrash);
    await engine.stop().catch(() => {});
    await db.close().catch(() => {});
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  }

  let missing = 0;
  let duplicated = 0;
  for (const times of seen.values()) {
    duplicated += times.length - new Set(times).size;
    const sorted = [...new Set(times)].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) missing += Math.max(0, Math.round((sorted[i] - sorted[i - 1]) / 60_000) - 1);
  }
  const wrongHalts = halts.filter((h) => NOT_ERRORS.has(h.split(":")[0]) || /expired/i.test(h));
  const candles = [...seen.values()].reduce((s, l) => s + l.length, 0);
  const row = (n: string) => phases.find((p) => p.phase === n);
  // The faults must really have happened: otherwise a pass proves nothing.
  const exercised: Array<[string, string, (p: Phase) => number, string]> = [
    ["partial-fills", "orders filled in part then expired (partial-fills phase)", (p) => p.partialExpired, "> 0"],
    ["rejects", "orders rejected by the venue (rejects phase)", (p) => p.rejected, "> 0"],
  ];
  const checks = [
    check("phases run", phases.length, `= ${faults.length + (faults.length > 1 ? 1 : 0)}`, phases.length === faults.length + (faults.length > 1 ? 1 : 0)),
    check("orders that reached the venue, every phase", phases.map((p) => p.sent).join("/") || "-", "> 0 each", phases.length > 0 && phases.every((p) => p.sent > 0)),
    ...exercised
      .filter(([fault]) => faults.includes(fault as FaultName))
      .map(([fault, label, value]) => {
        const p = row(fault);
        return check(label, p ? value(p) : "not run", "> 0", !!p && value(p) > 0);
      }),
    ...(faults.includes("partial-fills")
      ? [check("venue errors counted in the partial-fills phase", row("partial-fills")?.venueErrors ?? "not run", "= 0", row("partial-fills")?.venueErrors === 0)]
      : []),
    check("1m candles delivered", candles, "> 0", candles > 0),
    check("missing candles", missing, "= 0", missing === 0),
    check("duplicated candles", duplicated, "= 0", duplicated === 0),
    check("process alive (no crash)", crashes.length, "= 0", crashes.length === 0),
    check("HALTED from partial fills, expiries, latency, drops", wrongHalts.length, "= 0", wrongHalts.length === 0),
    check("HALTED from real faults (5xx, 429, rejects)", halts.length - wrongHalts.length, "reported", true),
    check("recovery ms", recoveryMs ?? "never", "< 120000", recoveryMs !== null),
  ];
  log(table(phases as unknown as Record<string, unknown>[]));
  return result.finish(checks, { phases, halts, rejectionsByPhase, crashes });
}
