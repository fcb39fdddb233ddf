import { describe, expect, it } from "vitest";
import { BollingerBands } from "../../indicators";
import { createStrategy } from "../index";
import { actionsAt, candlesFromCloses, runLive } from "./harness";

const instance = { id: "bb-1", symbols: ["ETH/USDT"], timeframe: "15m" as const };
const on = { symbol: "ETH/USDT", timeframe: "15m" as const };

/** Issue 16: a bounce that snaps back past the middle band has no target left to reach. */
describe("Bollinger bounce never enters at or past its own target", () => {
  const base = Array.from({ length: 20 }, (_, i) => 100 + (i % 2));
  const snapBack = [...base, 96, 101.5, 101, 100];

  it("a close back inside the lower band but already above the middle band buys nothing", () => {
    // The bands the strategy sees: candle 20 closes below its lower band, candle 21 above its middle band.
    const bb = new BollingerBands(20, 2);
    const values = snapBack.map((c) => bb.update(c));
    expect(snapBack[20]).toBeLessThan(values[20]!.lower);
    expect(snapBack[21]).toBeGreaterThanOrEqual(values[21]!.lower);
    expect(snapBack[21]).toBeGreaterThanOrEqual(values[21]!.middle);
    const emitted = runLive(createStrategy("bollinger_bounce", {}, instance), candlesFromCloses(snapBack, on));
    expect(actionsAt(emitted)).toEqual([]);
  });

  it("with exitAt = opposite the same candle is below the upper band, so it still enters", () => {
    const emitted = runLive(createStrategy("bollinger_bounce", { exitAt: "opposite" }, instance), candlesFromCloses(snapBack, on));
    expect(actionsAt(emitted)[0]).toBe("21:enter_long");
    expect(emitted[0].signal.takeProfit).toBeGreaterThan(101.5);
  });

  it("the short mirror: back inside the upper band but already below the middle sells nothing", () => {
    const mirrored = snapBack.map((c) => 201 - c);
    expect(runLive(createStrategy("bollinger_bounce", { allowShort: true }, instance), candlesFromCloses(mirrored, on))).toEqual([]);
  });
});
