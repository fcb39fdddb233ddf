import { describe, expect, it } from "vitest";
import { runLoadCampaign } from "../../scripts/campaigns/load";

/**
 * Short version of `npm run campaign:load` (the long one: 100 sockets, 50 REST clients, REST p95 < 200 ms):
 * 10 Socket.IO clients and 5 REST clients; every closed candle reaches every client, no REST error,
 * REST p95 under 2 s (a smoke bound for a shared 2-core machine, not the campaign's target).
 */
describe("load campaign (short)", () => {
  it("10 dashboards see every closed candle while 5 REST clients poll the hot reads", async () => {
    const result = await runLoadCampaign({ sockets: 10, rest: 5, socketSeconds: 8, restSeconds: 5, restP95TargetMs: 2_000, log: () => {} });
    const failed = result.checks.filter((c) => !c.ok);
    expect(failed, JSON.stringify({ failed, details: result.details }, null, 1)).toEqual([]);
  }, 180_000);
});
