import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { configSchema } from "../../server/config";
import { createLogger } from "../../server/core/logger";
import { openDatabase } from "../../server/db/database";
import { composeEngine } from "../../server/composition/engine";
import { DEFAULT_ACCOUNT, startSimulator, type SimulatorHandle } from "../../server/simulator";
import { crashTestConfig } from "./fixtures/crash-config";

/**
 * The process is killed (SIGKILL) while orders are in flight. After a restart, reconciliation must
 * leave no order lost or duplicated, and the positions must match the venue.
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
const dataDir = mkdtempSync(path.join(tmpdir(), "tk-crash-"));
let sim: SimulatorHandle | undefined;
/** Venue orders to wait for before the kill (each round of the child sends 8). */
const MIN_VENUE_ORDERS = 12;

/** Polls `condition` until it holds; `explain` may throw to stop early, or says what was missing at the timeout. */
async function waitUntil(condition: () => boolean, timeoutMs: number, explain: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    const missing = explain();
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${missing}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

afterAll(async () => {
  await sim?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("crash while orders are in flight", () => {
  it("loses and duplicates no order, and positions match the venue after restart", async () => {
    sim = await startSimulator({ speed: 1, seed: 5, historyDays: 0.05, symbols: ["BTC/USDT", "ETH/USDT", "BNB/USDT", "SOL/USDT"], accounts: [{ ...DEFAULT_ACCOUNT, balances: { USDT: 100_000 } }] });

    const child = spawn(process.execPath, ["--import", "tsx", "tests/engine/fixtures/crash-child.ts"], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: dataDir, SIM_URL: sim.restUrl },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stderr.on("data", (d) => (output += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child never started trading:\n${output}`)), 90_000);
      child.stdout.on("data", (d) => {
        if (d.toString().includes("IN_FLIGHT")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", (code) => reject(new Error(`child exited (${code}) before trading:\n${output}`)));
    });
    // Wait until the venue has taken a few rounds of orders (the child keeps firing more, so some
    // are still in flight), then kill it without warning. A condition, not a fixed delay: on a busy
    // machine 250 ms was sometimes not enough for even one more round to reach the venue.
    const account = sim.core.engine.allAccounts()[0];
    await waitUntil(() => account.orders.size >= MIN_VENUE_ORDERS, 90_000, () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`child exited (${child.exitCode ?? child.signalCode}) before the venue had ${MIN_VENUE_ORDERS} orders:\n${output}`);
      return `the venue has ${account.orders.size} orders, not ${MIN_VENUE_ORDERS}:\n${output}`;
    });
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");

    const venueOrders = [...account.orders.values()];
    expect(venueOrders.length).toBeGreaterThan(4);

    // Restart: the same data directory, the same venue.
    const db = await openDatabase({ dataDir });
    const engine = await composeEngine({ config: configSchema.parse(crashTestConfig(dataDir, sim.restUrl)), db, logger: createLogger("silent") });
    try {
      await engine.start();
      expect(engine.reconciliation.ok).toBe(true);
      await engine.kernel.idle();
      await engine.persistence.flush();

      // No duplicate at the venue: every client order id was sent at most once.
      const venueIds = venueOrders.map((o) => o.clientOrderId);
      expect(new Set(venueIds).size).toBe(venueIds.length);
      // None lost: every order the venue has is in the database, with the venue's state.
      const stored = new Map((await db.prisma.order.findMany()).map((o) => [o.clientOrderId, o]));
      for (const order of venueOrders) {
        const row = stored.get(order.clientOrderId);
        expect(row, `venue order ${order.clientOrderId} missing from the database`).toBeDefined();
        const venueFilled = Number(order.executedQty);
        expect(Number(row!.filledQuantity)).toBeCloseTo(venueFilled, 8);
      }
      // Nothing is left in limbo: orders stored as "new" that never reached the venue were settled.
      expect(await db.prisma.order.count({ where: { status: "new" } })).toBe(0);

      // Positions match the venue's balances: every base asset bought is in the ledger.
      const ledger = engine.kernel.accounts.get("live")!.ledger;
      for (const symbol of ["BTC/USDT", "ETH/USDT", "BNB/USDT", "SOL/USDT"]) {
        const base = symbol.split("/")[0];
        const balance = account.balances.get(base);
        const held = (balance?.free ?? 0) + (balance?.locked ?? 0);
        const position = ledger.positions().filter((p) => p.symbol === symbol).reduce((sum, p) => sum + p.quantity, 0);
        expect(position, `${symbol}: ledger ${position} vs venue ${held}`).toBeCloseTo(held, 8);
      }
    } finally {
      await engine.stop();
      await db.close();
    }
  }, 180_000);
});
