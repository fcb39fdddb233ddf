/**
 * `npm run strategy:check -- NAME [--csv FILE] [--symbol BTC/USDT] [--timeframe 5m] [--params '{"lookback":30}']`
 *
 * Look-ahead check of a strategy kind (built-in or a file in STRATEGIES_DIR): replays it over a
 * history (the CSV, or a seeded random walk), then re-runs each signal's candle from a freshly loaded
 * file with the future cut off, and lists every signal that changes. Exit code 0 = passed, 1 = a
 * signal changed, 2 = the strategy could not be checked (unknown kind, bad params, load error).
 * `npm run strategy:check -- --all` checks every kind that runs with its default params.
 */
import { loadConfig } from "../server/config";
import { importCandleCsv } from "../server/market";
import type { Timeframe } from "../server/model/types";
import { configureUserStrategies, listStrategyKinds, loadUserStrategies } from "../server/strategy";
import { checkLookahead, formatLookaheadReport } from "../server/strategy/lookahead";

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const positional = args.filter((a, i) => !a.startsWith("--") && !(i > 0 && args[i - 1].startsWith("--") && args[i - 1] !== "--all"));

async function main(): Promise<number> {
  let dir = process.env.STRATEGIES_DIR;
  try {
    dir ??= loadConfig().server.strategiesDir;
  } catch {
    // A config problem elsewhere (e.g. a missing secret) does not stop a strategy check.
  }
  configureUserStrategies({ dir: dir ?? "./strategies", log: (line) => console.log(line) });
  const status = loadUserStrategies();
  const kinds = args.includes("--all") ? listStrategyKinds().map((k) => k.kind) : positional;
  if (kinds.length === 0) {
    console.error("usage: npm run strategy:check -- NAME [--csv FILE] [--symbol S] [--timeframe TF] [--params JSON] | --all");
    console.error(`kinds: ${listStrategyKinds().map((k) => k.kind).join(", ")}`);
    return 2;
  }
  const params = option("params") ? (JSON.parse(option("params")!) as Record<string, unknown>) : undefined;
  const csv = option("csv");
  const candles = csv ? await importCandleCsv(csv, { symbol: option("symbol") ?? "BTC/USDT", timeframe: option("timeframe") as Timeframe | undefined }) : undefined;
  let worst = 0;
  for (const kind of kinds) {
    const broken = status.errors.find((e) => e.kind === kind || e.name.replace(/\.[mc]?[jt]s$/, "") === kind);
    if (broken) {
      console.log(`ERROR ${kind}: ${broken.name}${broken.line ? `:${broken.line}` : ""} did not load (${broken.phase}): ${broken.message}`);
      worst = Math.max(worst, 2);
      continue;
    }
    try {
      const report = checkLookahead(kind, { params, candles, symbol: option("symbol"), timeframe: option("timeframe") as Timeframe | undefined });
      for (const line of formatLookaheadReport(report)) console.log(line);
      if (!report.passed) worst = Math.max(worst, 1);
    } catch (err) {
      console.log(`SKIP ${kind}: ${(err as Error).message}`);
      if (!args.includes("--all")) worst = Math.max(worst, 2);
    }
  }
  return worst;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
