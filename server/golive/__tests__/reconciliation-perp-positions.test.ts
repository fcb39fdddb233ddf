import { describe, expect, it } from "vitest";
import { computeReconciliationPanel, perpPositionFindings, type PanelInput } from "../reconciliation";

/**
 * Issue 15, live futures: the reconciliation compares the ledger's perp positions with the venue's
 * (positionRisk) per symbol, not the perps' base assets with balances a futures account never holds.
 */
const BTC = "BTC/USDT:USDT";
const ETH = "ETH/USDT:USDT";
const instruments = [
  { symbol: BTC, base: "BTC", quote: "USDT", stepSize: 0.001 },
  { symbol: ETH, base: "ETH", quote: "USDT", stepSize: 0.001 },
];

function input(over: Partial<PanelInput>): PanelInput {
  return { at: 1, quoteCurrency: "USDT", venueBalances: [{ asset: "USDT", free: 9_000, locked: 0 }], ledgerPositions: [], venueOpenOrders: [], ledgerOpenOrders: [], instruments, ignored: [], ...over };
}

describe("perp positions against the venue's positionRisk", () => {
  it("a short the venue liquidated is missing (mark it closed), a long opened by hand is unknown, matching sides and sizes match; no base-asset rows", () => {
    const panel = computeReconciliationPanel(
      input({
        ledgerPositions: [
          { id: "p-btc", symbol: BTC, side: "short", quantity: 0.003 },
          { id: "p-eth-1", symbol: ETH, side: "long", quantity: 0.05 },
        ],
        perps: { symbols: [BTC, ETH], venuePositions: [{ symbol: ETH, side: "long", quantity: 0.08 }] },
      }),
    );
    expect(panel.ok).toBe(false);
    expect(panel.rows.map((r) => [r.key, r.status, r.venue, r.ledger, r.actions])).toEqual([
      [`position:${BTC}`, "missing", 0, -0.003, ["mark_closed"]],
      [`position:${ETH}`, "unknown", 0.08, 0.05, ["ignore"]],
    ]);
    expect(panel.rows[0].positionIds).toEqual(["p-btc"]);
    expect(panel.rows[0].message).toMatch(/liquidated by the venue/);
    expect(panel.rows.some((r) => r.key === "asset:BTC" || r.key === "asset:ETH")).toBe(false);

    const findings = perpPositionFindings({ symbols: [BTC, ETH], venuePositions: [{ symbol: ETH, side: "long", quantity: 0.08 }] }, [{ id: "p-btc", symbol: BTC, side: "short", quantity: 0.003 }, { id: "p-eth-1", symbol: ETH, side: "long", quantity: 0.05 }], instruments);
    expect(findings.map((f) => [f.symbol, f.severity])).toEqual([[BTC, "critical"], [ETH, "warning"]]);
  });

  it("matches within a lot step, and the venue on the other side than the ledger is missing", () => {
    const panel = computeReconciliationPanel(
      input({
        ledgerPositions: [
          { id: "a", symbol: BTC, side: "short", quantity: 0.002 },
          { id: "b", symbol: BTC, side: "short", quantity: 0.001 },
          { id: "c", symbol: ETH, side: "long", quantity: 0.05 },
        ],
        perps: { symbols: [BTC, ETH], venuePositions: [{ symbol: BTC, side: "short", quantity: 0.003 }, { symbol: ETH, side: "short", quantity: 0.05 }] },
      }),
    );
    expect(panel.rows.map((r) => [r.key, r.status])).toEqual([
      [`position:${BTC}`, "matched"],
      [`position:${ETH}`, "missing"],
    ]);
    expect(panel.rows[0].positionIds).toEqual(["a", "b"]);
  });
});
