import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { z } from "zod";
import { loadConfig, ConfigError, DEFAULT_RISK_LIMITS, type AppConfig } from "../config";
import { AppError } from "../core/errors";
import type { Database } from "../db";
import type { CandleStore } from "../market";
import { TIMEFRAMES } from "../model/types";
import { listStrategyKinds } from "../strategy";
import { limitsOver, type BacktestConfigInput } from "./config";
import { optimise, type OptimisationReport } from "./optimise";
import { summaryText } from "./report";
import { runBacktest, type BacktestProgress } from "./runner";

/**
 * npm run backtest -- --strategy ma_crossover --symbol BTC/USDT --timeframe 5m --from 2023-03-01 --to 2023-03-21
 * npm run backtest -- --csv data/BTCUSDT-1m-2023-03-01_21.csv --strategy ma-cross --timeframe 15m --params '{"fastPeriod":9}'
 * Progress goes to stderr, the summary to stdout; --json FILE writes the whole result.
 */

const HELP = `Usage: npm run backtest -- [options]

Data (one of):
  --csv FILE              candles from a CSV file (open_time,open,high,low,close,volume); no database needed
  (default)               stored candles of the configured venue (DATA_DIR or DATABASE_URL); needs --from/--to

Strategy:
  --strategy KIND         ${listStrategyKinds().map((k) => k.kind).join(", ")} (alias: ma-cross)
  --symbol SYMBOL         e.g. BTC/USDT (a CSV's symbol defaults to its file name)
  --timeframe TF          ${TIMEFRAMES.join(", ")} (default: the strategy's)
  --params JSON           strategy parameters, e.g. '{"fastPeriod":9,"slowPeriod":21}'
  --capital N             the strategy's capital budget (default: the whole balance)

Run:
  --from DATE --to DATE   range (2023-03-01, ISO time or epoch ms); earlier candles warm up
  --balance N             starting balance (default: STARTING_BALANCE or 10000)
  --fill-mode MODE        candle (default) or 1m (fills and exits on 1-minute candles)
  --slippage-bps N        default 5
  --fee RATE              maker and taker fee as a fraction (default 0.001)
  --risk JSON             risk limits over the configured ones, e.g. '{"maxConsecutiveLosses":10}'
  --allow-short           allow short entries (spot; futures runs always allow them)

Futures (USDⓈ-M perpetuals: leverage, margin, funding, liquidation):
  --market MARKET         spot (default) or futures
  --leverage N            contracts' leverage, 1 to 125 (default 1; the leverage cap follows it); needs --market futures
  --margin-mode MODE      cross (default) or isolated; needs --market futures
  --funding-rate R        funding rate per 8 h as a fraction, -0.05 to 0.05 (default 0.0001 = 0.01 %); needs --market futures

Output:
  --json FILE             write the full result (or optimisation report) as JSON
  --trades N              last trades shown (default 10)
  --quiet                 no progress bar

Optimise (instead of one run):
  --optimise grid|random  search the parameter space
  --space JSON            e.g. '{"fastPeriod":{"min":5,"max":20,"step":5},"slowPeriod":{"values":[21,30,50]}}'
  --objective NAME        sharpe (default), sortino, profitFactor, returnOverDrawdown
  --levels N / --samples N / --seed N / --min-trades N
  --walk-forward K        K walk-forward folds (optimise in-sample, test out-of-sample)
  --workers N             worker threads (default: one per core)
`;

const jsonArg = (name: string, text: string | undefined): Record<string, unknown> | undefined => {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
    return value as Record<string, unknown>;
  } catch (err) {
    throw new AppError("CLI_BAD_ARGUMENT", `--${name} must be a JSON object (${(err as Error).message}): ${text}`, 2);
  }
};

const numberArg = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) throw new AppError("CLI_BAD_ARGUMENT", `--${name} must be a number, got "${text}"`, 2);
  return value;
};

const choiceArg = <T extends string>(name: string, text: string | undefined, choices: readonly T[]): T | undefined => {
  if (text === undefined) return undefined;
  const value = text.trim().toLowerCase();
  if (!(choices as readonly string[]).includes(value)) throw new AppError("CLI_BAD_ARGUMENT", `--${name} must be ${choices.join(" or ")}, got "${text}"`, 2);
  return value as T;
};

const rangeArg = (name: string, text: string | undefined, min: number, max: number, hint = ""): number | undefined => {
  const value = numberArg(name, text);
  if (value !== undefined && (value < min || value > max)) throw new AppError("CLI_BAD_ARGUMENT", `--${name} must be between ${min} and ${max}${hint}, got "${text}"`, 2);
  return value;
};

/** --market, --leverage, --margin-mode, --funding-rate → the config's market and futures fields. */
function futuresArgs(values: { market?: string; leverage?: string; "margin-mode"?: string; "funding-rate"?: string }): Pick<BacktestConfigInput, "market" | "futures"> {
  const market = choiceArg("market", values.market, ["spot", "futures"] as const);
  const leverage = rangeArg("leverage", values.leverage, 1, 125);
  const marginMode = choiceArg("margin-mode", values["margin-mode"], ["cross", "isolated"] as const);
  const fundingRate = rangeArg("funding-rate", values["funding-rate"], -0.05, 0.05, " (a fraction per 8 h: 0.0001 = 0.01 %)");
  const stated = (["leverage", "margin-mode", "funding-rate"] as const).filter((flag) => values[flag] !== undefined);
  if (market !== "futures") {
    if (stated.length) throw new AppError("CLI_BAD_ARGUMENT", `${stated.map((f) => `--${f}`).join(", ")} ${stated.length > 1 ? "apply" : "applies"} to futures runs only: add --market futures`, 2);
    return { market };
  }
  return { market, futures: { leverage, marginMode, fundingRate } };
}

/** A config field named in a validation error → the flag that sets it. */
const FLAG_OF: Readonly<Record<string, string>> = {
  market: "--market",
  "futures.leverage": "--leverage",
  "futures.marginMode": "--margin-mode",
  "futures.fundingRate": "--funding-rate",
  startingBalance: "--balance",
  slippageBps: "--slippage-bps",
  fillMode: "--fill-mode",
  from: "--from",
  to: "--to",
  "strategies.0.timeframe": "--timeframe",
  "strategies.0.capital": "--capital",
  "strategies.0.kind": "--strategy",
};
const flagOf = (path: string): string => FLAG_OF[path] ?? (path.startsWith("fees") ? "--fee" : path.startsWith("riskLimits") ? "--risk" : path.startsWith("strategies.0.symbols") ? "--symbol" : "");

function progressBar(): { update(p: BacktestProgress): void; done(): void } {
  const tty = process.stderr.isTTY;
  let last = -1;
  let lastTenth = -1;
  let open = false;
  return {
    update(p) {
      const pct = Math.floor(p.pct);
      if (pct === last) return;
      last = pct;
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      const line = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(pct).padStart(3)}% ${p.processed.toLocaleString("en-US")}/${p.total.toLocaleString("en-US")}`;
      if (tty) {
        process.stderr.write(`\r${line}`);
        open = true;
      } else if (Math.floor(pct / 10) > lastTenth) {
        // Not a terminal (a log file, CI): one line per tenth instead of redrawing.
        lastTenth = Math.floor(pct / 10);
        process.stderr.write(`${line}\n`);
      }
    },
    done() {
      if (open) process.stderr.write("\n");
      open = false;
    },
  };
}

function optimisationText(report: OptimisationReport): string {
  const fmt = (v: number | null | undefined, d = 2) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(d));
  const objective = (e: { objective: number | null; objectiveInfinite: boolean }) => (e.objectiveInfinite ? "∞" : fmt(e.objective, 3));
  const lines = [
    `Optimisation of ${report.kind} (${report.method}, objective ${report.objective}): ${report.evaluations} parameter sets, ${report.invalid.count} refused by the strategy's rules`,
    `Ran ${report.execution.mode === "workers" ? `in ${report.execution.workers} worker threads` : "in-process"} in ${(report.durationMs / 1000).toFixed(1)} s`,
    "",
  ];
  const varied = report.space.map((p) => p.name);
  if (report.walkForward) {
    const s = report.walkForward.summary;
    lines.push(`Walk-forward, ${report.walkForward.folds.length} folds (${report.walkForward.anchored ? "anchored" : "rolling"}):`);
    for (const f of report.walkForward.folds) {
      const params = f.best ? varied.map((n) => `${n}=${String(f.best!.params[n])}`).join(" ") : "none";
      lines.push(
        `  fold ${f.index + 1}: in-sample ${new Date(f.inSample.from).toISOString().slice(0, 10)}..${new Date(f.inSample.to).toISOString().slice(0, 10)} ${report.objective} ${f.best ? objective(f.best) : "–"} | ` +
          `out-of-sample ${new Date(f.outOfSample.from).toISOString().slice(0, 10)}..${new Date(f.outOfSample.to).toISOString().slice(0, 10)} ${f.outOfSampleResult ? objective(f.outOfSampleResult) : "–"} ` +
          `return ${fmt(f.outOfSampleResult?.metrics.totalReturnPct)} % | ${params}`,
      );
    }
    lines.push(`  mean in-sample ${fmt(s.meanInSampleObjective, 3)}, mean out-of-sample ${fmt(s.meanOutOfSampleObjective, 3)}, out-of-sample return ${fmt(s.outOfSampleReturnPct)} %, efficiency ${fmt(s.efficiency)}`);
  } else {
    lines.push(`Best ${Math.min(report.ranked.length, 10)}:`);
    for (const e of report.ranked.slice(0, 10)) {
      lines.push(
        `  ${report.objective} ${objective(e).padStart(8)}  return ${fmt(e.metrics.totalReturnPct).padStart(7)} %  max dd ${fmt(e.metrics.maxDrawdownPct).padStart(6)} %  trades ${String(e.metrics.trades).padStart(4)}${e.tooFewTrades ? " (too few)" : ""}  ${varied.map((n) => `${n}=${String(e.params[n])}`).join(" ")}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      strategy: { type: "string" },
      symbol: { type: "string" },
      timeframe: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      csv: { type: "string" },
      params: { type: "string" },
      capital: { type: "string" },
      balance: { type: "string" },
      "fill-mode": { type: "string" },
      "slippage-bps": { type: "string" },
      fee: { type: "string" },
      risk: { type: "string" },
      "allow-short": { type: "boolean" },
      market: { type: "string" },
      leverage: { type: "string" },
      "margin-mode": { type: "string" },
      "funding-rate": { type: "string" },
      json: { type: "string" },
      trades: { type: "string" },
      quiet: { type: "boolean" },
      optimise: { type: "string" },
      optimize: { type: "string" },
      space: { type: "string" },
      objective: { type: "string" },
      levels: { type: "string" },
      samples: { type: "string" },
      seed: { type: "string" },
      "min-trades": { type: "string" },
      "walk-forward": { type: "string" },
      workers: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!values.strategy) throw new AppError("CLI_BAD_ARGUMENT", "--strategy is required (see --help)", 2);

  let appConfig: AppConfig | undefined;
  try {
    appConfig = loadConfig();
  } catch (err) {
    // A CSV run needs nothing from the configuration: go on with the defaults.
    if (!values.csv) throw err;
    process.stderr.write(`configuration not loaded (${(err as Error).message.split("\n")[0]}); using defaults\n`);
  }
  const fee = numberArg("fee", values.fee);
  const symbol = values.symbol;
  const config: BacktestConfigInput = {
    strategies: [
      {
        kind: values.strategy,
        params: jsonArg("params", values.params) ?? {},
        symbols: symbol ? [symbol] : [],
        timeframe: values.timeframe as BacktestConfigInput["strategies"][number]["timeframe"],
        capital: numberArg("capital", values.capital),
      },
    ],
    source: values.csv ? { type: "csv", path: values.csv, symbol } : { type: "stored" },
    from: values.from,
    to: values.to,
    startingBalance: numberArg("balance", values.balance) ?? appConfig?.trading.startingBalance,
    quoteCurrency: appConfig?.trading.quoteCurrency,
    fillMode: values["fill-mode"] as BacktestConfigInput["fillMode"],
    slippageBps: numberArg("slippage-bps", values["slippage-bps"]),
    fees: fee === undefined ? undefined : { maker: fee, taker: fee },
    riskLimits: jsonArg("risk", values.risk),
    allowShort: values["allow-short"],
    ...futuresArgs(values),
  };
  if (!symbol) {
    if (!values.csv) throw new AppError("CLI_BAD_ARGUMENT", "--symbol is required for stored candles", 2);
    const { symbolAndTimeframeFromFileName } = await import("../market/pure");
    const fromName = symbolAndTimeframeFromFileName(values.csv).symbol;
    if (!fromName) throw new AppError("CLI_BAD_ARGUMENT", `--symbol is required: the file name ${values.csv} does not say it`, 2);
    config.strategies[0].symbols = [fromName];
  }

  let db: Database | undefined;
  let store: CandleStore | undefined;
  if (!values.csv) {
    const [{ openDatabase, PrismaCandleStore }, { describeVenue }] = await Promise.all([import("../db"), import("../market")]);
    const cfg = appConfig!;
    db = await openDatabase({ url: cfg.database.url, dataDir: cfg.server.dataDir });
    store = new PrismaCandleStore(db.prisma, describeVenue(cfg.venue.id).id);
  }
  const baseLimits = appConfig?.risk ?? DEFAULT_RISK_LIMITS;
  const bar = values.quiet ? undefined : progressBar();

  try {
    const method = values.optimise ?? values.optimize;
    if (method) {
      const space = jsonArg("space", values.space);
      const folds = numberArg("walk-forward", values["walk-forward"]);
      const report = await optimise(
        {
          // The optimiser's runs get no base limits: the configured ones with --risk on top go in the config.
          base: { ...config, riskLimits: limitsOver(baseLimits, config.riskLimits) },
          method: z.enum(["grid", "random"]).parse(method),
          space: space as never,
          objective: values.objective as never,
          levels: numberArg("levels", values.levels),
          samples: numberArg("samples", values.samples),
          seed: numberArg("seed", values.seed),
          minTrades: numberArg("min-trades", values["min-trades"]),
          walkForward: folds === undefined ? undefined : { folds },
        },
        {
          store,
          workers: numberArg("workers", values.workers),
          onProgress: (p) => bar?.update({ processed: p.done, total: p.total, pct: (p.done / p.total) * 100, at: 0 }),
        },
      );
      bar?.done();
      process.stdout.write(optimisationText(report));
      if (values.json) await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    const result = await runBacktest(config, { store, baseLimits, onProgress: bar ? (p) => bar.update(p) : undefined });
    bar?.done();
    if (result.config.market === "futures") {
      const f = result.config.futures;
      process.stdout.write(`Market futures (USDⓈ-M perpetuals): ${f.leverage}× leverage, ${f.marginMode} margin, funding ${(f.fundingRate * 100).toFixed(4)} % per 8 h\n`);
    }
    process.stdout.write(summaryText(result, numberArg("trades", values.trades) ?? 10));
    process.stdout.write(`Ran in ${(result.timing.durationMs / 1000).toFixed(2)} s (${result.timing.candlesPerSecond.toLocaleString("en-US")} candles/s)\n`);
    if (values.json) {
      await writeFile(values.json, `${JSON.stringify(result, null, 2)}\n`);
      process.stdout.write(`Result written to ${values.json}\n`);
    }
    return 0;
  } finally {
    bar?.done();
    await db?.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const code = (err as { code?: unknown } | null)?.code;
    const usage = err instanceof z.ZodError || (typeof code === "string" && (code.startsWith("ERR_PARSE_ARGS") || code === "CLI_BAD_ARGUMENT"));
    if (err instanceof z.ZodError) {
      process.stderr.write(
        `invalid backtest: ${err.issues
          .map((i) => {
            const path = i.path.join(".");
            const flag = flagOf(path);
            return `${path || "config"}${flag ? ` (${flag})` : ""}: ${i.message}`;
          })
          .join("; ")}\n`,
      );
    } else if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`${(err as Error).message} (see --help)\n`);
    } else if (err instanceof ConfigError || err instanceof AppError || (err instanceof Error && err.name === "DatabaseError")) {
      process.stderr.write(`${err.message}\n`);
    } else {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.exit(usage ? 2 : 1);
  },
);
