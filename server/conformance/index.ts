/**
 * Venue conformance suite: scenarios that drive a venue the way the engine does (place, cancel, fill,
 * reject, reconnect) and check its answers, run against the built-in simulator or the Binance spot
 * testnet. `npm run conformance` (./cli.ts) prints the table; code that runs the suite itself (a
 * test, another tool) uses these.
 */
export {
  SCENARIOS,
  ScenarioSkipped,
  formatResults,
  runScenarios,
  scenarioContext,
  type Scenario,
  type ScenarioContext,
  type ScenarioResult,
} from "./scenarios";
export { ConformanceUnavailable, openConformanceVenue, type ConformanceVenue, type ConformanceVenueId } from "./venues";
