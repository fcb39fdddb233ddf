import { describe, expect, it } from "vitest";
import { runCrashCampaign } from "../../scripts/campaigns/crash";

/**
 * Short version of `npm run campaign:crash`: one random SIGKILL of the bot while it fires orders,
 * live on a standalone simulator, then the same checks as the long campaign.
 */
describe("crash campaign (short)", () => {
  it("a SIGKILL mid-flight loses, duplicates and strands no order, and balances match the venue after the restart", async () => {
    const result = await runCrashCampaign({ kills: 1, timeoutMs: 200_000, log: () => {} });
    const failed = result.checks.filter((c) => !c.ok);
    expect(failed, JSON.stringify({ failed, failures: result.details.failures }, null, 1)).toEqual([]);
  }, 240_000);
});
