import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { compareBalances } from "../../server/execution/reconcile";
import { DEFAULT_ACCOUNT, startSimulator, type SimulatorHandle } from "../../server/simulator";
import { check, Deadline, percentile, ROOT, round, startResult, table, waitUntil, type CampaignResult } from "./lib";

/**
 * Crash campaign: the bot runs live on a standalone simulator (SIM_URL, owned here) and is killed
 * with SIGKILL at random moments while it fires orders; after every restart (reconciliation done)
 * its database and ledger are compared with the venue:
 * - lost: an order the venue has that the bot's database does not;
 * - duplicated: one client order id sent to the venue more than once;
 * - stuck: an order stored as "new" after reconciliation, or open on one side and finished on the other;
 * - mismatched: an order's filled quantity differs, or a balance (venue free + locked vs ledger
 *   position + dust, cash for USDT) differs beyond one lot step (server/execution/reconcile-balances.ts);
 * - restart time: spawn to reconciled and ready.
 */

export interface CrashCampaignOptions {
  kills: number;
  /** Overall bound, ms. */
  timeoutMs: number;
  speed?: number;
  seed?: number;
  log?: (line: string) => void;
}

const SYMBOLS = ["BTC/USDT", "ETH/USDT", "BNB/USDT", "SOL/USDT"];
const INSTRUMENTS = SYMBOLS.map((symbol) => ({ symbol, base: symbol.split("/")[0], quote: "USDT", stepSize: 1e-8 }));
const VENUE_OPEN = new Set(["NEW", "PARTIALLY_FILLED"]);
const DB_OPEN = new Set(["new", "submitted", "partially_filled"]);

interface ChildCheck {
  reconciliation: { ok: boolean; message: string };
  orders: Array<{ clientOrderId: string; status: string; filledQuantity: number }>;
  holdings: { cash: number; positions: Array<{ symbol: string; side: "long" | "short"; quantity: number }>; dust: Array<{ asset: string; quantity: number }> };
}

interface Round {
  round: number;
  restartMs: number;
  venueOrders: number;
  openAtKill: number | null;
  lost: number;
  duplicated: number;
  stuck: number;
  mismatchedOrders: number;
  mismatchedBalances: number;
  reconciled: string;
}

export async function runCrashCampaign(options: CrashCampaignOptions): Promise<CampaignResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const result = startResult("campaign-crash", { kills: options.kills, speed: options.speed ?? 1, seed: options.seed ?? 5 });
  const deadline = new Deadline(options.timeoutMs);
  const dataDir = mkdtempSync(path.join(tmpdir(), "tk-campaign-crash-"));
  let sim: SimulatorHandle | undefined;
  let child: ChildProcess | undefined;
  const rounds: Round[] = [];
  const failures: string[] = [];
  let timedOut = false;
  let aborted: string | null = null;
  try {
    sim = await startSimulator({
      speed: options.speed ?? 1,
      seed: options.seed ?? 5,
      historyDays: 0.05,
      symbols: SYMBOLS,
      accounts: [{ ...DEFAULT_ACCOUNT, balances: { USDT: 1_000_000 } }],
    });
    const account = sim.core.engine.allAccounts()[0];
    const simulator = sim;
    let openAtKill: number | null = null;

    for (let i = 0; i <= options.kills; i++) {
      if (deadline.passed) {
        timedOut = true;
        break;
      }
      // (Re)start the bot and wait for its post-reconciliation view.
      const spawnedAt = performance.now();
      const proc = spawn(process.execPath, ["--import", "tsx", "scripts/campaigns/crash-child.ts"], {
        cwd: ROOT,
        env: { ...process.env, DATA_DIR: dataDir, SIM_URL: simulator.restUrl, LOG_LEVEL: "silent" },
        stdio: ["pipe", "pipe", "pipe"],
      });
      child = proc;
      let stdout = "";
      let stderr = "";
      proc.stdout!.on("data", (d) => (stdout += d.toString()));
      proc.stderr!.on("data", (d) => (stderr += d.toString()));
      const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
      try {
        await waitUntil(
          () => stdout.includes("\n") && stdout.startsWith("CHECK "),
          Math.min(deadline.remainingMs + 1, 180_000),
          () => {
            if (proc.exitCode !== null) throw new Error(`the bot exited (${proc.exitCode}) during start-up:\n${stderr.slice(-3000)}`);
            return `the bot did not become ready:\n${stderr.slice(-2000)}`;
          },
        );
      } catch (err) {
        // The campaign's own time bound ran out while the bot was starting: out of time, not a failed start.
        if (deadline.passed && proc.exitCode === null) {
          timedOut = true;
          proc.kill("SIGKILL");
          await exited;
          break;
        }
        throw err;
      }
      const restartMs = performance.now() - spawnedAt;
      const view = JSON.parse(stdout.slice("CHECK ".length, stdout.indexOf("\n"))) as ChildCheck;

      // Compare with the venue while nothing trades (the bot waits for GO).
      const venueOrders = [...account.orders.values()];
      const stored = new Map(view.orders.map((o) => [o.clientOrderId, o]));
      const ids = venueOrders.map((o) => o.clientOrderId);
      const duplicated = ids.length - new Set(ids).size;
      const lost = venueOrders.filter((o) => !stored.has(o.clientOrderId)).map((o) => o.clientOrderId);
      const stuck: string[] = view.orders.filter((o) => o.status === "new").map((o) => o.clientOrderId);
      const mismatchedOrders: string[] = [];
      for (const order of venueOrders) {
        const row = stored.get(order.clientOrderId);
        if (!row) continue;
        if (VENUE_OPEN.has(order.status) !== DB_OPEN.has(row.status)) stuck.push(`${order.clientOrderId} (venue ${order.status}, bot ${row.status})`);
        if (Math.abs(row.filledQuantity - order.executedQty) > 1e-9) mismatchedOrders.push(`${order.clientOrderId}: bot ${row.filledQuantity}, venue ${order.executedQty}`);
      }
      const balances = compareBalances({
        at: Date.now(),
        quoteCurrency: "USDT",
        venue: [...account.balances.entries()].map(([asset, b]) => ({ asset, free: b.free, locked: b.locked })),
        holdings: view.holdings,
        instruments: INSTRUMENTS,
        notOwned: {},
      });
      const row: Round = {
        round: i,
        restartMs: Math.round(restartMs),
        venueOrders: venueOrders.length,
        openAtKill,
        lost: lost.length,
        duplicated,
        stuck: stuck.length,
        mismatchedOrders: mismatchedOrders.length,
        mismatchedBalances: balances.findings.length,
        reconciled: view.reconciliation.ok ? "ok" : "FAILED",
      };
      rounds.push(row);
      for (const f of [...lost.map((x) => `lost ${x}`), ...stuck.map((x) => `stuck ${x}`), ...mismatchedOrders, ...balances.findings.map((f) => f.message)]) {
        if (failures.length < 50) failures.push(`round ${i}: ${f}`);
      }
      if (!view.reconciliation.ok) failures.push(`round ${i}: ${view.reconciliation.message}`);
      log(`round ${i}: restart ${row.restartMs} ms, venue orders ${row.venueOrders}, lost ${row.lost}, dup ${row.duplicated}, stuck ${row.stuck}, mismatched ${row.mismatchedOrders}/${row.mismatchedBalances}`);

      if (i === options.kills) {
        proc.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
        break;
      }
      // Trade, then kill at a random moment: after 1..16 more venue orders and 0..250 ms.
      proc.stdin!.write("GO\n");
      const target = venueOrders.length + 1 + Math.floor(Math.random() * 16);
      try {
        await waitUntil(() => account.orders.size >= target, Math.min(deadline.remainingMs + 1, 120_000), () => {
          if (proc.exitCode !== null) throw new Error(`the bot exited (${proc.exitCode}) while trading:\n${stderr.slice(-3000)}`);
          return `the venue has ${account.orders.size} orders, waiting for ${target}; the bot's last words:\n${stderr.slice(-1500)}`;
        });
      } catch (err) {
        if (deadline.passed) {
          timedOut = true;
          proc.kill("SIGKILL");
          await exited;
          break;
        }
        throw err;
      }
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 250)));
      proc.kill("SIGKILL");
      openAtKill = [...account.orders.values()].filter((o) => VENUE_OPEN.has(o.status)).length;
      await exited;
    }
  } catch (err) {
    aborted = String((err as Error)?.message ?? err).slice(0, 4000);
    failures.push(`aborted: ${aborted}`);
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await sim?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const kills = Math.max(0, rounds.length - 1);
  const sum = (k: keyof Round) => rounds.reduce((s, r) => s + (typeof r[k] === "number" ? (r[k] as number) : 0), 0);
  const restarts = rounds.slice(1).map((r) => r.restartMs);
  const checks = [
    check("kills", kills, `= ${options.kills}`, kills === options.kills && !timedOut),
    check("bot started every time", aborted ? "no" : "yes", "yes", aborted === null),
    check("venue orders", rounds.at(-1)?.venueOrders ?? 0, "> 0", (rounds.at(-1)?.venueOrders ?? 0) > 0),
    check("lost orders", sum("lost"), "= 0", sum("lost") === 0),
    check("duplicated orders", sum("duplicated"), "= 0", sum("duplicated") === 0),
    check("stuck orders", sum("stuck"), "= 0", sum("stuck") === 0),
    check("mismatched orders", sum("mismatchedOrders"), "= 0", sum("mismatchedOrders") === 0),
    check("mismatched balances", sum("mismatchedBalances"), "= 0 (tolerance one lot step)", sum("mismatchedBalances") === 0),
    check("failed reconciliations", rounds.filter((r) => r.reconciled !== "ok").length, "= 0", rounds.every((r) => r.reconciled === "ok")),
    check("restart p50 ms", round(percentile(restarts, 0.5), 0) ?? "-", "measured", true),
    check("restart p95 ms", round(percentile(restarts, 0.95), 0) ?? "-", "measured", true),
    check("restart max ms", restarts.length ? Math.max(...restarts) : "-", "measured", true),
  ];
  log(table(rounds as unknown as Record<string, unknown>[]));
  return result.finish(checks, { rounds, failures, killsWithOrdersOpenAtVenue: rounds.filter((r) => (r.openAtKill ?? 0) > 0).length });
}
