import { mkdir } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { systemClock, type Clock } from "../core/clock";
import { errorMessage } from "../core/errors";
import type { Timeframe } from "../model/types";
import type { CandleStore } from "./candle-store";
import { parseOpenTime } from "./csv";
import { CsvFileSink, downloadCandles, ProgressBar, StoreCandleSink, type CandleSink } from "./download";
import { createExchange } from "./exchange";
import { parseTimeframe } from "./timeframes";
import type { MarketExchange } from "./types";

const USAGE = `Download historical candles over REST (resumable).

Usage:
  npm run data:download -- --exchange binance --symbol BTC/USDT --timeframe 1m --since 2023-03-01 [--until 2023-03-22] [--out file.csv]

Options:
  --exchange        ccxt exchange id, or "simulator" with --simulator-url (default: binance)
  --symbol          unified symbol, e.g. BTC/USDT (required)
  --timeframe       1m, 5m, 15m, 1h, 4h or 1d (default: 1m)
  --since           first open time: 2023-03-01, 2023-03-01T12:00Z or epoch ms (required)
  --until           stop before this open time (default: now)
  --out             CSV file to append to (default: the database when the app provides one,
                    else data/candles/<BASEQUOTE>-<timeframe>-<exchange>.csv)
  --simulator-url   REST origin of a running simulator, e.g. http://127.0.0.1:9100
  --page-limit      candles per request (default 1000)
  --help            this text

Run it again with the same arguments to continue where it stopped.`;

export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliUsageError";
  }
}

export interface DownloadCliArgs {
  exchange: string;
  symbol: string;
  timeframe: Timeframe;
  since: number;
  until?: number;
  out?: string;
  simulatorUrl?: string;
  pageLimit?: number;
}

/** "2023-03-01" (UTC midnight), an ISO-like UTC time, or epoch ms. */
export function parseCliTime(value: string, name: string): number {
  const text = value.trim();
  const t = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : parseOpenTime(text);
  if (t === undefined || Number.isNaN(t)) throw new CliUsageError(`--${name} "${value}" is not a date (use 2023-03-01, 2023-03-01T12:00Z or epoch ms)`);
  return t;
}

export function parseDownloadArgs(argv: readonly string[]): DownloadCliArgs | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        exchange: { type: "string", default: "binance" },
        symbol: { type: "string" },
        timeframe: { type: "string", default: "1m" },
        since: { type: "string" },
        until: { type: "string" },
        out: { type: "string" },
        "simulator-url": { type: "string" },
        "page-limit": { type: "string" },
        help: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new CliUsageError(errorMessage(err));
  }
  const v = parsed.values;
  if (v.help) return "help";
  if (!v.symbol) throw new CliUsageError("--symbol is required (e.g. --symbol BTC/USDT)");
  if (!/^[A-Z0-9]+\/[A-Z0-9]+$/.test(v.symbol)) throw new CliUsageError(`--symbol "${v.symbol}" is not a unified symbol such as BTC/USDT`);
  if (!v.since) throw new CliUsageError("--since is required (e.g. --since 2023-03-01)");
  let timeframe: Timeframe;
  try {
    timeframe = parseTimeframe(v.timeframe ?? "1m");
  } catch (err) {
    throw new CliUsageError(`--timeframe: ${errorMessage(err)}`);
  }
  const since = parseCliTime(v.since, "since");
  const until = v.until !== undefined ? parseCliTime(v.until, "until") : undefined;
  if (until !== undefined && until <= since) throw new CliUsageError("--until must be after --since");
  let pageLimit: number | undefined;
  if (v["page-limit"] !== undefined) {
    pageLimit = Number(v["page-limit"]);
    if (!Number.isInteger(pageLimit) || pageLimit < 1 || pageLimit > 5000) throw new CliUsageError("--page-limit must be an integer from 1 to 5000");
  }
  const exchange = v.exchange ?? "binance";
  if (exchange === "simulator" && !v["simulator-url"]) throw new CliUsageError('--exchange simulator needs --simulator-url (e.g. http://127.0.0.1:9100)');
  return { exchange, symbol: v.symbol, timeframe, since, until, out: v.out, simulatorUrl: v["simulator-url"], pageLimit };
}

export interface DownloadCliDeps {
  /** Builds the exchange; default: createExchange from ./exchange (REST is all the download uses). */
  createExchange?: (args: DownloadCliArgs) => Promise<MarketExchange & { close?: () => Promise<unknown> }>;
  /** The app's candle store: used when --out is absent. */
  store?: CandleStore;
  stderr?: { write(text: string): unknown; isTTY?: boolean };
  clock?: Clock;
  /** Directory of the default output file. */
  dataDir?: string;
}

async function defaultExchange(args: DownloadCliArgs) {
  const simulator = args.simulatorUrl
    ? { restUrl: args.simulatorUrl, wsUrl: `${args.simulatorUrl.replace(/^http/, "ws").replace(/\/$/, "")}/stream/ws` }
    : undefined;
  return createExchange({ id: args.exchange }, { simulator });
}

/** The CLI without the process: returns the exit code (0 done, 1 failed, 2 bad usage). */
export async function runDownloadCli(argv: readonly string[], deps: DownloadCliDeps = {}): Promise<number> {
  const stderr = deps.stderr ?? process.stderr;
  let args: DownloadCliArgs | "help";
  try {
    args = parseDownloadArgs(argv);
  } catch (err) {
    stderr.write(`${errorMessage(err)}\n\n${USAGE}\n`);
    return 2;
  }
  if (args === "help") {
    stderr.write(`${USAGE}\n`);
    return 0;
  }
  const clock = deps.clock ?? systemClock;
  let sink: CandleSink;
  let target: string;
  if (args.out === undefined && deps.store) {
    sink = new StoreCandleSink(deps.store, args.symbol, args.timeframe);
    target = "the database";
  } else {
    const file =
      args.out ?? path.join(deps.dataDir ?? "data", "candles", `${args.symbol.replace("/", "")}-${args.timeframe}-${args.exchange}.csv`);
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    sink = new CsvFileSink(file);
    target = file;
  }

  let exchange: Awaited<ReturnType<NonNullable<DownloadCliDeps["createExchange"]>>> | undefined;
  try {
    exchange = await (deps.createExchange ?? defaultExchange)(args);
    const bar = new ProgressBar(stderr, `${args.exchange} ${args.symbol} ${args.timeframe}`, clock);
    let invalid = 0;
    const result = await downloadCandles({
      exchange,
      symbol: args.symbol,
      timeframe: args.timeframe,
      since: args.since,
      until: args.until,
      sink,
      clock,
      pageLimit: args.pageLimit,
      retry: {
        onRetry: (err, attempt, delay) => stderr.write(`\nrequest failed (${errorMessage(err)}); retry ${attempt + 1} in ${delay} ms\n`),
      },
      onProgress: (p) => bar.update(p),
      onInvalid: (row, reason) => {
        invalid++;
        stderr.write(`\nskipped a bad candle from the exchange (${reason}): ${JSON.stringify(row)}\n`);
      },
    });
    const range = `${new Date(result.from).toISOString()} → ${new Date(result.until).toISOString()}`;
    bar.done(
      `${result.resumed ? "resumed, " : ""}wrote ${result.written} candles (${range}) to ${target}` +
        (invalid > 0 ? `; ${invalid} bad candle(s) from the exchange were skipped` : ""),
    );
    return 0;
  } catch (err) {
    stderr.write(`\ndownload failed: ${errorMessage(err)}\nRun the same command again to continue from the last saved candle.\n`);
    return 1;
  } finally {
    await exchange?.close?.().catch(() => undefined);
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  runDownloadCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
