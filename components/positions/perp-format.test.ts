import { describe, expect, it } from "vitest";
import type { PositionDto } from "../lib/types";
import { formatLeverage, fundingText, liquidationDistancePct, liquidationLevel, marketLabel, showPerpColumns, symbolAssets } from "./perp-format";

const spot = { marketType: undefined } as Pick<PositionDto, "marketType">;
const perp = { marketType: "perp" } as Pick<PositionDto, "marketType">;

describe("positions table on a futures account", () => {
  it("a spot trader sees no perp columns; one perp among spot positions brings them in", () => {
    expect(showPerpColumns([])).toBe(false);
    expect(showPerpColumns(undefined)).toBe(false);
    expect(showPerpColumns([spot, spot])).toBe(false);
    expect(showPerpColumns([spot, perp])).toBe(true);
    expect(showPerpColumns([{ marketType: "spot" }])).toBe(false);
  });

  it("tags every position with its market", () => {
    expect(marketLabel(perp)).toBe("Perp");
    expect(marketLabel(spot)).toBe("Spot");
    expect(marketLabel({ marketType: "spot" })).toBe("Spot");
  });

  it("a 3× long marked at 50 000 with liquidation at 35 000 is 30 % from liquidation", () => {
    const mark = 50_000;
    const liq = 35_000;
    expect(liquidationDistancePct({ side: "long", markPrice: mark, liquidationPrice: liq })).toBeCloseTo(((mark - liq) / mark) * 100, 10);
    expect(liquidationDistancePct({ side: "long", markPrice: mark, liquidationPrice: liq })).toBeCloseTo(30, 10);
  });

  it("a short's liquidation lies above the mark: 55 000 mark, 66 000 liquidation is 20 % away", () => {
    expect(liquidationDistancePct({ side: "short", markPrice: 55_000, liquidationPrice: 66_000 })).toBeCloseTo(20, 10);
  });

  it("a mark already past the liquidation price reads negative, not as a safe distance", () => {
    expect(liquidationDistancePct({ side: "long", markPrice: 30_000, liquidationPrice: 33_000 })!).toBeLessThan(0);
    expect(liquidationDistancePct({ side: "short", markPrice: 70_000, liquidationPrice: 66_000 })!).toBeLessThan(0);
  });

  it("no distance without a liquidation price (cannot be liquidated) or without a mark", () => {
    expect(liquidationDistancePct({ side: "long", markPrice: 50_000, liquidationPrice: null })).toBeNull();
    expect(liquidationDistancePct({ side: "long", markPrice: 50_000, liquidationPrice: undefined })).toBeNull();
    expect(liquidationDistancePct({ side: "long", markPrice: null, liquidationPrice: 35_000 })).toBeNull();
  });

  it("reads liquidation risk as the guard does: warn from 80 %, close from 90 %, or the account's own thresholds", () => {
    expect(liquidationLevel(79.9)).toBe("ok");
    expect(liquidationLevel(80)).toBe("warn");
    expect(liquidationLevel(90)).toBe("close");
    expect(liquidationLevel(60, 50, 70)).toBe("warn");
    expect(liquidationLevel(70, 50, 70)).toBe("close");
    expect(liquidationLevel(undefined)).toBe("unknown");
  });

  it("shows leverage as 3× and funding as paid or received", () => {
    expect(formatLeverage(3)).toBe("3×");
    expect(formatLeverage(2.5)).toBe("2.5×");
    expect(formatLeverage(undefined)).toBe("—");
    expect(fundingText(1.2)).toBe("paid 1.20");
    expect(fundingText(-0.4)).toBe("received 0.40");
    expect(fundingText(0)).toBe("0.00");
    expect(fundingText(undefined)).toBe("—");
  });
});

describe("order ticket amounts on a perpetual", () => {
  it("a perpetual is sized in its quote currency (USDT), not in 'USDT:USDT'", () => {
    expect(symbolAssets("BTC/USDT:USDT")).toEqual({ base: "BTC", quote: "USDT" });
    expect(symbolAssets("ETH/USDC:USDC")).toEqual({ base: "ETH", quote: "USDC" });
  });
  it("a spot pair, and no symbol yet (the ticket before the symbols load)", () => {
    expect(symbolAssets("BTC/USDT")).toEqual({ base: "BTC", quote: "USDT" });
    expect(symbolAssets(undefined)).toEqual({ base: "", quote: "" });
  });
});
