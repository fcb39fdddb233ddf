import { parseArgs } from "node:util";
import { formatResults, runScenarios, SCENARIOS } from "./scenarios";
import { ConformanceUnavailable, openConformanceVenue, type ConformanceVenueId } from "./venues";

/**
 * npm run conformance -- --venue simulator|binance-testnet [--only id,id]
 *
 * Runs the venue conformance scenarios and prints a pass/fail table (paste it into a bug report).
 * `simulator` starts the built-in simulator and needs nothing else; `binance-testnet` needs
 * VENUE_API_KEY / VENUE_API_SECRET (Binance spot testnet keys) and network access, and is skipped
 * with a message saying so when either is missing. Exit code: 0 all passed (or skipped as a whole),
 * 1 a scenario failed, 2 bad arguments.
 */

const { values } = parseArgs({
  options: { venue: { type: "string", default: "simulator" }, only: { type: "string" }, help: { type: "boolean", short: "h" } },
});

if (values.help) {
  process.stdout.write(`npm run conformance -- --venue simulator|binance-testnet [--only ${SCENARIOS.map((s) => s.id).join(",")}]\n`);
  process.exit(0);
}

const venueId = values.venue as ConformanceVenueId;
if (venueId !== "simulator" && venueId !== "binance-testnet") {
  process.stderr.write(`--venue must be simulator or binance-testnet (got ${values.venue})\n`);
  process.exit(2);
}
const only = values.only ? new Set(values.only.split(",").map((s) => s.trim())) : undefined;
const unknown = [...(only ?? [])].filter((id) => !SCENARIOS.some((s) => s.id === id));
if (unknown.length) {
  process.stderr.write(`unknown scenario ${unknown.join(", ")}; known: ${SCENARIOS.map((s) => s.id).join(", ")}\n`);
  process.exit(2);
}

async function main(): Promise<number> {
  let venue;
  try {
    venue = await openConformanceVenue(venueId);
  } catch (err) {
    if (err instanceof ConformanceUnavailable) {
      process.stdout.write(`Venue conformance: ${venueId} SKIPPED: ${err.message}\n`);
      return 0;
    }
    throw err;
  }
  try {
    const results = await runScenarios(venue, only);
    process.stdout.write(`${formatResults(venueId, results, { node: process.version, date: new Date().toISOString() })}\n`);
    return results.some((r) => r.outcome === "fail") ? 1 : 0;
  } finally {
    await venue.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
