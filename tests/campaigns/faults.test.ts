import { describe, expect, it } from "vitest";
import { runFaultsCampaign } from "../../scripts/campaigns/faults";

/**
 * Short version of `npm run campaign:faults`: partial fills and dropped connections, then both, live
 * on a standalone simulator at 60×, with the default venue-error breaker.
 */
describe("fault campaign (short)", () => {
  it("partial fills and dropped websockets: every 1m candle exactly once, no HALTED, recovery after the faults stop", async () => {
    const result = await runFaultsCampaign({ minutes: 0.3, only: ["partial-fills", "ws-drops"], log: () => {} });
    const failed = result.checks.filter((c) => !c.ok);
    expect(failed, JSON.stringify({ failed, halts: result.details.halts, crashes: result.details.crashes }, null, 1)).toEqual([]);
  }, 240_000);
});
