import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addQty, mulQty, subQty, toQty } from "../../core/quantity";
import type { Balance, Fill } from "../../model/types";
import { Ledger, LedgerError, sequentialLedgerIds } from "../../portfolio/ledger";
import { InMemoryOrderStore } from "../order-store";
import { compareBalances, reconcile, summarizeReconciliation, unbookedFillFinding } from "../reconcile";
import { FakeVenue } from "./fake-venue";

const BTC = { symbol: "BTC/USDT", base: "BTC", quote: "USDT", stepSize: 0.00001 };
const ETH = { symbol: "ETH/USDT", base: "ETH", quote: "USDT", stepSize: 0.0001 };
const T0 = Date.UTC(2026, 0, 5, 12);

let seq = 0;
function fill(side: Fill["side"], symbol: string, quantity: number, price: number, fee = 0): Fill {
  seq += 1;
  return { clientOrderId: `o${seq}`, venueTradeId: `t${seq}`, symbol, side, quantity, price, fee, liquidity: "taker", timestamp: T0 + seq };
}

const holdings = (ledger: Ledger) => ({ cash: ledger.cash, positions: ledger.positions(), dust: ledger.dust() });

describe("balance reconciliation", () => {
  it("a naked spot sell the ledger refused shows as a critical BTC finding and a USDT finding, not ok", () => {
    // The account held 0.05 BTC before the bot; a manual sell of 0.002 with no long filled at the venue.
    const ledger = new Ledger({ mode: "live", startingCash: 1_000, ids: sequentialLedgerIds("r-") });
    const naked = fill("sell", "BTC/USDT", 0.002, 100_270);
    let refused: unknown = null;
    try {
      ledger.applyFill(naked, { reason: "manual" });
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(LedgerError);
    const venue: Balance[] = [
      { asset: "BTC", free: 0.048, locked: 0 },
      { asset: "USDT", free: 1_200.54, locked: 0 },
    ];
    const report = compareBalances({ at: T0, quoteCurrency: "USDT", venue, holdings: holdings(ledger), instruments: [BTC], notOwned: { BTC: 0.05 } });
    expect(report.ok).toBe(false);
    const btc = report.findings.find((f) => f.asset === "BTC");
    expect(btc).toMatchObject({ kind: "balance_mismatch", severity: "critical", data: { venue: 0.048, expected: 0.05, difference: -0.002 } });
    expect(btc?.message).toMatch(/short by 0\.002/);
    expect(report.findings.find((f) => f.asset === "USDT")).toMatchObject({ severity: "warning", data: { difference: 200.54 } });

    const summary = summarizeReconciliation(
      { ok: true, startedAt: T0, actions: [], errors: [], findings: [unbookedFillFinding(naked, refused), ...report.findings], balances: report },
      "simulator",
    );
    expect(summary.status).toBe("degraded");
    expect(summary.message).toMatch(/3 finding\(s\) \(2 critical\)/);
    expect(summary.balances.map((b) => b.asset)).toEqual(["BTC", "USDT"]);
  });

  it("agrees within one lot step, and free plus locked counts (an open sell locks coins)", () => {
    const ledger = new Ledger({ mode: "live", startingCash: 1_000, ids: sequentialLedgerIds("r-") });
    ledger.applyFill(fill("buy", "BTC/USDT", 0.01, 50_000, 0.5), { reason: "entry" });
    const venue: Balance[] = [
      { asset: "BTC", free: 0.00001, locked: 0.01 - 0.00001 + 0.000004 }, // 0.4 step over
      { asset: "USDT", free: 499.5, locked: 0 },
    ];
    const report = compareBalances({ at: T0, quoteCurrency: "USDT", venue, holdings: holdings(ledger), instruments: [BTC, ETH] });
    expect(report.findings).toEqual([]);
    expect(report.checks.find((c) => c.asset === "ETH")).toMatchObject({ venueTotal: 0, expected: 0, ok: true });
    expect(report.checks.find((c) => c.asset === "BTC")?.tolerance).toBe(0.00001);
  });

  it("property: the venue and the ledger agree after any sequence of booked fills, and a missed fill of more than one lot step is always a finding", () => {
    const trade = fc.record({
      symbol: fc.constantFrom("BTC/USDT", "ETH/USDT"),
      steps: fc.integer({ min: 2, max: 500 }), // a miss of exactly one lot step is within the documented tolerance
      price: fc.integer({ min: 100, max: 60_000 }),
      sell: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(trade, { minLength: 1, maxLength: 25 }), fc.nat(), (trades, missIndex) => {
        const ledger = new Ledger({ mode: "live", startingCash: 1_000_000, ids: sequentialLedgerIds("p-") });
        const venue = new Map<string, number>([["USDT", 1_000_000], ["BTC", 0.3], ["ETH", 2]]); // 0.3 BTC and 2 ETH not the bot's
        const held = new Map<string, number>();
        const booked: Array<{ asset: string; qty: number }> = [];
        for (const t of trades) {
          const inst = t.symbol === "BTC/USDT" ? BTC : ETH;
          const qty = mulQty(t.steps, inst.stepSize);
          const side = t.sell && (held.get(inst.base) ?? 0) >= qty ? "sell" : "buy";
          const f = fill(side, t.symbol, qty, t.price);
          ledger.applyFill(f, { reason: "p" });
          held.set(inst.base, side === "buy" ? addQty(held.get(inst.base) ?? 0, qty) : subQty(held.get(inst.base)!, qty));
          const notional = mulQty(qty, t.price);
          venue.set(inst.base, side === "buy" ? addQty(venue.get(inst.base)!, qty) : subQty(venue.get(inst.base)!, qty));
          venue.set("USDT", side === "buy" ? subQty(venue.get("USDT")!, notional) : addQty(venue.get("USDT")!, notional));
          booked.push({ asset: inst.base, qty: side === "buy" ? qty : -qty });
        }
        const input = { at: T0, quoteCurrency: "USDT", holdings: holdings(ledger), instruments: [BTC, ETH], notOwned: { BTC: 0.3, ETH: 2 } };
        const balances = (m: Map<string, number>): Balance[] => [...m].map(([asset, free]) => ({ asset, free: toQty(free), locked: 0 }));
        if (!compareBalances({ ...input, venue: balances(venue) }).ok) return false;
        // The venue executed one more fill that the ledger never booked.
        const missed = booked[missIndex % booked.length];
        const drifted = new Map(venue);
        drifted.set(missed.asset, addQty(drifted.get(missed.asset)!, missed.qty));
        const report = compareBalances({ ...input, venue: balances(drifted) });
        return report.findings.some((f) => f.asset === missed.asset && f.kind === "balance_mismatch");
      }),
      { numRuns: 150 },
    );
  });
});

describe("reconcile() reports balances and unknown fills as findings", () => {
  it("a venue fill of no stored order and a balance gap both appear in the report's findings", async () => {
    const store = new InMemoryOrderStore();
    const venue = new FakeVenue();
    venue.fetchBalances = async () => [
      { asset: "USDT", free: 1_000, locked: 0 },
      { asset: "BTC", free: 0.048, locked: 0 },
    ];
    venue.fetchFills = async () => [{ venueTradeId: "T77", venueOrderId: "V77", symbol: "BTC/USDT", side: "sell", price: 100_000, quantity: 0.002, fee: 0, liquidity: "taker", timestamp: T0 }];
    const ledger = new Ledger({ mode: "live", startingCash: 1_000, ids: sequentialLedgerIds("x-") });
    await store.saveOrder({
      clientOrderId: "tk-open", symbol: "BTC/USDT", side: "buy", type: "limit", price: 90_000, quantity: 0.001, intent: "entry", reduceOnly: false,
      reason: "test", createdAt: T0 - 10, mode: "live", status: "submitted", filledQuantity: 0, avgFillPrice: 0, fee: 0, updatedAt: T0 - 10,
    });
    const report = await reconcile({
      store, venue, mode: "live", now: T0, symbols: ["BTC/USDT"],
      balances: { quoteCurrency: "USDT", instruments: [BTC], notOwned: { BTC: 0.05 }, holdings: () => holdings(ledger) },
    });
    expect(report.ok).toBe(true);
    expect(report.findings.map((f) => `${f.kind}:${f.asset ?? f.venueTradeId}`).sort()).toEqual(["balance_mismatch:BTC", "unknown_fill:T77"]);
    expect(summarizeReconciliation(report, "simulator").status).toBe("degraded");
  });

  it("an unreadable balance endpoint is a finding, not a crash", async () => {
    const venue = new FakeVenue();
    venue.fetchBalances = async () => {
      throw new Error("503 Service Unavailable");
    };
    const ledger = new Ledger({ mode: "live", startingCash: 1_000, ids: sequentialLedgerIds("y-") });
    const report = await reconcile({ store: new InMemoryOrderStore(), venue, mode: "live", now: T0, balances: { quoteCurrency: "USDT", instruments: [BTC], holdings: () => holdings(ledger) } });
    expect(report.findings).toEqual([expect.objectContaining({ kind: "balances_unavailable" })]);
  });
});
