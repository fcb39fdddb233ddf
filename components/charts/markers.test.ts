import { describe, expect, it } from "vitest";
import { positionPriceLines, tradeMarkers } from "./markers";
import type { PositionDto, TradeDto } from "../lib/types";
import { COLORS } from "../shell/colors";

const trade = (over: Partial<TradeDto>): TradeDto => ({
  id: "t", mode: "paper", symbol: "BTC/USDT", side: "long", quantity: 1, entryPrice: 100, exitPrice: 101, pnl: 1, pnlPct: 1,
  fees: 0.1, openedAt: 1_000, closedAt: 5_000, exitReason: "take_profit", entryReason: null, exitReasonText: null, strategyInstanceId: null, ...over,
});

describe("trade markers", () => {
  it("a winning long shows an up arrow at entry and a green dot with its P&L at exit", () => {
    const [entry, exit] = tradeMarkers([trade({ pnl: 12.5 })], []);
    expect(entry).toMatchObject({ time: 1_000, shape: "arrowUp", position: "belowBar" });
    expect(exit).toMatchObject({ time: 5_000, shape: "circle", color: COLORS.profit, text: "+12.50" });
  });
  it("a losing short shows a down arrow and a red dot", () => {
    const [entry, exit] = tradeMarkers([trade({ side: "short", pnl: -3 })], []);
    expect(entry).toMatchObject({ shape: "arrowDown", position: "aboveBar" });
    expect(exit).toMatchObject({ color: COLORS.loss, text: "−3.00" });
  });
  it("markers come out in time order, open positions included", () => {
    const p = { id: "p", side: "long", openedAt: 3_000 } as PositionDto;
    expect(tradeMarkers([trade({ openedAt: 4_000, closedAt: 6_000 }), trade({ openedAt: 1_000, closedAt: 2_000 })], [p]).map((m) => m.time)).toEqual([1_000, 2_000, 3_000, 4_000, 6_000]);
  });
  it("an open position draws entry, stop and target lines, skipping absent levels", () => {
    const p = { avgEntryPrice: 100, stopLoss: 99, takeProfit: null, trailingStop: null } as unknown as PositionDto;
    expect(positionPriceLines([p]).map((l) => l.title)).toEqual(["entry 100.00", "stop"]);
  });
});

describe("markers on a daily chart do not pile up (issue 21)", () => {
  it("ten losing trades of one day are one entry arrow ×10 and one exit dot with their summed P&L", async () => {
    const { tradeMarkers } = await import("./markers");
    const day = Date.UTC(2026, 11, 1);
    const trades = Array.from({ length: 10 }, (_, i) => ({
      id: `t${i}`, side: "long", openedAt: day + i * 3_600_000, closedAt: day + i * 3_600_000 + 600_000, pnl: -0.5,
    })) as unknown as import("../lib/types").TradeDto[];
    const markers = tradeMarkers(trades, [], 86_400_000);
    expect(markers).toHaveLength(2);
    const { formatSignedMoney } = await import("../lib/format");
    expect(markers.map((m) => m.text).sort()).toEqual(["L ×10", `${formatSignedMoney(-5)} ×10`].sort());
    expect(markers.find((m) => m.shape === "circle")!.color).toBe(COLORS.loss);
    expect(markers.every((m) => m.time === day)).toBe(true);
    expect(tradeMarkers(trades, [])).toHaveLength(20);
  });
});
