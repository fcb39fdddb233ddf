import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatResults, runScenarios, SCENARIOS, type ScenarioResult } from "../scenarios";
import { ConformanceUnavailable, openConformanceVenue, type ConformanceVenue } from "../venues";

/**
 * The venue conformance suite (npm run conformance) inside the test suite: every scenario passes on
 * the built-in simulator, offline. The testnet run needs keys and network; without them it says so.
 */

let venue: ConformanceVenue;
let results: ScenarioResult[];

beforeAll(async () => {
  venue = await openConformanceVenue("simulator");
  results = await runScenarios(venue);
}, 300_000);

afterAll(async () => {
  await venue?.close();
});

describe("venue conformance on the simulator", () => {
  it.each(SCENARIOS.map((s) => [s.id, s.title]))("%s: %s", (id) => {
    const result = results.find((r) => r.id === id);
    expect(result, `${id} did not run`).toBeDefined();
    expect(`${result!.outcome}: ${result!.detail}`).toMatch(/^pass: /);
  });

  it("prints a pass/fail table naming every scenario", () => {
    const table = formatResults("simulator", results);
    for (const s of SCENARIOS) expect(table).toContain(s.id);
    expect(table).toContain(`${SCENARIOS.length} passed, 0 failed, 0 skipped`);
  });

  it("binance-testnet without keys is skipped with a message naming the keys to set", async () => {
    await expect(openConformanceVenue("binance-testnet", {})).rejects.toThrow(ConformanceUnavailable);
    await expect(openConformanceVenue("binance-testnet", {})).rejects.toThrow(/VENUE_API_KEY and VENUE_API_SECRET/);
  });
});
