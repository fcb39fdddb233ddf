import { describe, expect, it } from "vitest";
import { runFuzzCampaign } from "../../scripts/campaigns/fuzz";

/**
 * Short version of `npm run campaign:fuzz`: every mutating route, a representative subset of the
 * hostile payloads, against the real application in-process. The long run is in the README.
 */
describe("fuzz campaign (short)", () => {
  it("hostile input on every mutating route: no 5xx, no crash, no markup echoed, nothing polluted", async () => {
    const result = await runFuzzCampaign({ depth: "short", timeoutMs: 100_000, log: () => {} });
    const failed = result.checks.filter((c) => !c.ok);
    expect(failed, JSON.stringify({ failed, problems: (result.details.problems as unknown[]).slice(0, 10) }, null, 1)).toEqual([]);
  }, 170_000);
});
