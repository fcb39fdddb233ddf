import { describe, expect, it } from "vitest";
import { ApiError } from "../lib/api";
import type { OrderDto } from "../lib/types";
import { closeErrorOutcome, closeResultOutcome } from "./close-outcome";

const order = (patch: Partial<OrderDto>): OrderDto => ({
  clientOrderId: "c1", venueOrderId: null, mode: "live", symbol: "ETH/USDT", side: "sell", type: "market", status: "submitted",
  quantity: 0.0513, price: null, stopPrice: null, filledQuantity: 0, avgFillPrice: null, fee: null, intent: "exit",
  reduceOnly: true, reason: null, error: null, strategyInstanceId: null, createdAt: 0, updatedAt: 0, ...patch,
});

describe("the close button's toast", () => {
  it("a close the venue rejected is an error with the venue's reason", () => {
    const outcome = closeResultOutcome("ETH/USDT", { order: order({ status: "rejected", error: "INSUFFICIENT_FUNDS: needs 0.0513 ETH, 0.0512 free" }), riskChecks: [] });
    expect(outcome).toMatchObject({ level: "error", text: "Close rejected: INSUFFICIENT_FUNDS: needs 0.0513 ETH, 0.0512 free" });
    expect(closeResultOutcome("ETH/USDT", { order: order({ status: "rejected" }) }).text).toBe("Close rejected: the venue gave no reason");
  });

  it("a filled close says what was closed", () => {
    expect(closeResultOutcome("ETH/USDT", { order: order({ status: "filled", filledQuantity: 0.0512 }) })).toMatchObject({
      level: "success",
      text: "Closed 0.0512 ETH/USDT",
    });
    expect(closeResultOutcome("ETH/USDT", { order: order({ status: "filled" }) }).text).toBe("Closed 0.0513 ETH/USDT");
  });

  it("a working close says it was sent", () => {
    expect(closeResultOutcome("ETH/USDT", { order: order({ status: "submitted" }) })).toMatchObject({ level: "success", text: "Close order sent for ETH/USDT" });
    expect(closeResultOutcome("ETH/USDT", { order: order({ status: "new" }) }).text).toBe("Close order sent for ETH/USDT");
    expect(closeResultOutcome("ETH/USDT", { order: order({ status: "partially_filled", filledQuantity: 0.02 }) }).text).toBe(
      "Close order sent for ETH/USDT: 0.02 of 0.0513 filled so far",
    );
    expect(closeResultOutcome("ETH/USDT", undefined).text).toBe("Close order sent for ETH/USDT");
  });

  it("a cancelled or expired close is an error", () => {
    expect(closeResultOutcome("ETH/USDT", { order: order({ status: "expired", error: "IOC not filled" }) })).toMatchObject({
      level: "error",
      text: "Close order expired for ETH/USDT: IOC not filled",
    });
  });

  it("a risk denial shows the risk engine's message", () => {
    const denial = new ApiError("RISK_DENIED", "Trading is HALTED: only the kill switch may close", 422, { code: "HALTED" });
    expect(closeErrorOutcome(denial)).toEqual({ level: "error", text: "Close refused: Trading is HALTED: only the kill switch may close" });
    expect(closeErrorOutcome(new ApiError("NETWORK", "cannot reach the Tradekeel server", 0)).text).toBe("Close failed: cannot reach the Tradekeel server");
  });
});
