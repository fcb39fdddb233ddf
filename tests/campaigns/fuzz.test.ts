import { describe, expect, it } from "vitest";
import { runFuzzCampaign } from "../../scripts/campaigns/fuzz";

/**
 * Short version of `npm run campaign:fuzz`: every mutating route, a representative subset of the
 * hostile payloads, against the real application in-process. The long run is in the README.
 */
describe("fuzz campaign (short)", () => {
  it("hostile input on every mutating route: no 5xx, no crash, no markup echoed, nothing polluted", async () => {
    // The bound is generous: on a loaded 2-core machine a request takes ~0.3 s (the long run is bounded by --minutes).
    const result = await runFuzzCampaign({ depth: "short", timeoutMs: 600_000, log: () => {} });
    const failed = result.checks.filter((c) => !c.ok);
    expect(failed, JSON.stringify({ failed, basesRefused: result.details.basesRefused, problems: (result.details.problems as unknown[]).slice(0, 10) }, null, 1)).toEqual([]);
  }, 900_000);
});
