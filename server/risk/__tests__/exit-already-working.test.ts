import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addQty, gtQty, subQty, sumQty } from "../../core/quantity";
import type { RiskOpenOrder } from "../types";
import { context, exit, longBtc, startEngine } from "./fixtures";

/** A reduce-only sell of the BTC long that is working at the venue (sent, not finished). */
function workingSell(quantity: number, o: Partial<RiskOpenOrder> = {}): RiskOpenOrder {
  return { clientOrderId: `working-${quantity}-${o.filledQuantity ?? 0}`, symbol: "BTC/USDT", side: "sell", type: "market", quantity, filledQuantity: 0, intent: "exit", reduceOnly: true, status: "submitted", ...o };
}

describe("a sell never asks for more than is held minus the sells already working", () => {
  it("a second full sell while the first is working is refused before it is sent, naming what is free", async () => {
    const { engine, sink } = await startEngine();
    const ctx = context({ positions: [longBtc({ quantity: 0.01 })], openOrders: [workingSell(0.01)] });
    const decision = engine.evaluate(exit({ quantity: 0.01, exitReason: "manual" }), ctx);
    expect(decision.allowed).toBe(false);
    expect(decision.code).toBe("EXIT_ALREADY_WORKING");
    expect(decision.message).toContain("an exit of 0.01 is already working");
    expect(decision.message).toContain("0 is free to sell");
    expect(decision.data).toMatchObject({ quantity: 0.01, position: 0.01, working: 0.01, free: 0 });
    expect(sink.codes("denial")).toEqual(["EXIT_ALREADY_WORKING"]);
  });

  it("a partial sell then a sell of the rest passes; one unit more is refused", async () => {
    const { engine } = await startEngine();
    const ctx = context({ positions: [longBtc({ quantity: 0.01 })], openOrders: [workingSell(0.004)] });
    expect(engine.evaluate(exit({ quantity: 0.006 }), ctx)).toMatchObject({ allowed: true });
    const more = engine.evaluate(exit({ quantity: 0.00600001 }), ctx);
    expect(more).toMatchObject({ allowed: false, code: "EXIT_ALREADY_WORKING" });
    expect(more.message).toContain("0.006 is free to sell");
  });

  it("what a working sell already filled left the position: only its remainder is committed", async () => {
    const { engine } = await startEngine();
    // Held 0.01, a sell of 0.008 filled 0.005 of it: the position is 0.005, 0.003 of it still committed.
    const ctx = context({ positions: [longBtc({ quantity: 0.005 })], openOrders: [workingSell(0.008, { filledQuantity: 0.005 })] });
    expect(engine.evaluate(exit({ quantity: 0.002 }), ctx)).toMatchObject({ allowed: true });
    expect(engine.evaluate(exit({ quantity: 0.003 }), ctx)).toMatchObject({ allowed: false, code: "EXIT_ALREADY_WORKING" });
  });

  it("a resting stop-loss or take-profit does not block a close, and an order is never counted against itself", async () => {
    const { engine } = await startEngine();
    const stop = workingSell(0.01, { clientOrderId: "the-stop", type: "stop_loss_limit", price: 49_000 });
    const ctx = context({ positions: [longBtc({ quantity: 0.01 })], openOrders: [stop] });
    expect(engine.evaluate(exit({ quantity: 0.01, exitReason: "manual" }), ctx)).toMatchObject({ allowed: true });
    // The held stop decided again when it triggers (as a limit): itself is not "another working exit".
    const limitCtx = context({ positions: [longBtc({ quantity: 0.01 })], openOrders: [{ ...stop, type: "limit" }] });
    expect(engine.evaluate(exit({ clientOrderId: "the-stop", type: "limit", price: 49_000, quantity: 0.01 }), limitCtx)).toMatchObject({ allowed: true });
  });

  it("another strategy instance's working sell does not take from this instance's position", async () => {
    const { engine } = await startEngine();
    const ctx = context({
      positions: [longBtc({ quantity: 0.01, strategyInstanceId: "a" }), longBtc({ quantity: 0.01, strategyInstanceId: "b" })],
      openOrders: [workingSell(0.01, { strategyInstanceId: "b" })],
    });
    expect(engine.evaluate(exit({ quantity: 0.01, strategyInstanceId: "a" }), ctx)).toMatchObject({ allowed: true });
    expect(engine.evaluate(exit({ quantity: 0.01, strategyInstanceId: "b" }), ctx)).toMatchObject({ allowed: false, code: "EXIT_ALREADY_WORKING" });
  });

  it("property: whatever sells arrive and however they fill, the working sells never exceed the position", async () => {
    const { engine } = await startEngine();
    const step = fc.oneof(
      fc.record({ kind: fc.constant("sell" as const), quantity: fc.integer({ min: 1, max: 120 }) }),
      fc.record({ kind: fc.constant("fill" as const), pick: fc.nat(), part: fc.integer({ min: 1, max: 120 }) }),
      fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.array(step, { maxLength: 40 }), (heldUnits, steps) => {
        // Quantities in units of 0.0001 BTC (5 USDT at 50,000: every sell clears the venue's minimum notional).
        let held = heldUnits / 10_000;
        let working: RiskOpenOrder[] = [];
        let n = 0;
        for (const s of steps) {
          if (s.kind === "sell") {
            const quantity = s.quantity / 10_000;
            const ctx = context({ positions: held > 0 ? [longBtc({ quantity: held })] : [], openOrders: working });
            const decision = engine.evaluate(exit({ quantity }), ctx);
            const free = subQty(held, sumQty(working.map((o) => subQty(o.quantity, o.filledQuantity ?? 0))));
            // Exactly the sells within what is free pass.
            expect(decision.allowed, decision.message).toBe(held > 0 && !gtQty(quantity, free));
            if (decision.allowed) working.push(workingSell(quantity, { clientOrderId: `w${(n += 1)}` }));
          } else if (working.length > 0) {
            const o = working[s.pick % working.length]!;
            if (s.kind === "cancel") working = working.filter((w) => w !== o);
            else {
              const remaining = subQty(o.quantity, o.filledQuantity ?? 0);
              const fill = Math.min(remaining, s.part / 10_000);
              held = subQty(held, fill);
              const filledQuantity = addQty(o.filledQuantity ?? 0, fill);
              working = working.flatMap((w) => (w !== o ? [w] : gtQty(o.quantity, filledQuantity) ? [{ ...o, filledQuantity }] : []));
            }
          }
          const committed = sumQty(working.map((o) => subQty(o.quantity, o.filledQuantity ?? 0)));
          expect(gtQty(committed, held), `working ${committed} > position ${held}`).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });
});
