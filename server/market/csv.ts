import { open, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { TIMEFRAME_MS, type Candle, type Timeframe } from "../model/types";
import type { CandleStore } from "./candle-store";
import { isTimeframe } from "./timeframes";
import { candleProblem, sequenceProblem } from "./validation";

export const CANDLE_CSV_HEADER = "open_time,open,high,low,close,volume";
const COLUMNS = CANDLE_CSV_HEADER.split(",");

export interface CsvIssue {
  line: number;
  message: string;
}

/** A candle CSV could not be imported; `issues` names every bad line. */
export class CandleCsvError extends Error {
  constructor(
    readonly source: string,
    readonly issues: CsvIssue[],
  ) {
    const shown = issues.slice(0, 10).map((i) => `  line ${i.line}: ${i.message}`);
    const more = issues.length > 10 ? [`  ... and ${issues.length - 10} more`] : [];
    super([`${source}: ${issues.length} bad line(s)`, ...shown, ...more].join("\n"));
    this.name = "CandleCsvError";
  }
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DIGITS = /^\d+$/;
// 2023-03-01 00:00:00+00:00, 2023-03-01T00:00:00Z, 2023-03-01 00:00:00.000, 2023-03-01T00:00
const ISO_ISH = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses an open_time cell: an ISO-like UTC timestamp ("2023-03-01 00:00:00+00:00", a missing zone
 * means UTC) or epoch milliseconds. Epoch seconds (10 digits) and microseconds (16 digits, newer
 * Binance dumps) are recognised by their size. Returns undefined when unreadable.
 */
export function parseOpenTime(cell: string): number | undefined {
  const text = cell.trim();
  if (DIGITS.test(text)) {
    const value = Number(text);
    if (!Number.isSafeInteger(value)) return undefined;
    if (value < 1e11) return value * 1000; // seconds
    if (value > 1e14) return Math.floor(value / 1000); // microseconds
    return value;
  }
  const m = ISO_ISH.exec(text);
  if (!m) return undefined;
  const zone = m[3] === undefined ? "Z" : m[3].length === 5 ? `${m[3].slice(0, 3)}:${m[3].slice(3)}` : m[3];
  const t = Date.parse(`${m[1]}T${m[2]}${zone}`);
  return Number.isNaN(t) ? undefined : t;
}

/** "2023-03-01 00:00:00+00:00", the format of the project's sample files. */
export function formatOpenTime(time: number): string {
  return `${new Date(time).toISOString().slice(0, 19).replace("T", " ")}+00:00`;
}

export function formatCandleCsvRow(c: Candle): string {
  return `${formatOpenTime(c.openTime)},${c.open},${c.high},${c.low},${c.close},${c.volume}`;
}

export interface ParseCandleCsvOptions {
  symbol: string;
  /** When absent: the smallest spacing between rows, which must be a supported timeframe. */
  timeframe?: Timeframe;
  /** Name used in error messages (the file path). */
  source?: string;
}

/**
 * Parses candle CSV text with header `open_time,open,high,low,close,volume`. Every row is validated
 * (readable numbers, OHLC ordering, positive prices, non-negative volume, open time aligned to the
 * timeframe, strictly increasing); any bad row makes it throw a CandleCsvError naming each bad line,
 * so a file is imported whole or not at all.
 */
export function parseCandleCsv(text: string, options: ParseCandleCsvOptions): Candle[] {
  const source = options.source ?? "CSV";
  const { rows, issues } = readCandleCsvRows(text, source);
  const timeframe = options.timeframe ?? inferTimeframe(rows.map((r) => r.cells[0]), source);
  const candles: Candle[] = [];
  let previous: number | undefined;
  for (const { line, cells } of rows) {
    const [openTime, open, high, low, close, volume] = cells;
    const candle: Candle = { symbol: options.symbol, timeframe, openTime, open, high, low, close, volume, closed: true };
    const problem = candleProblem(candle) ?? sequenceProblem(previous, openTime);
    if (problem) {
      issues.push({ line, message: problem });
      continue;
    }
    previous = openTime;
    candles.push(candle);
  }
  if (issues.length > 0) throw new CandleCsvError(source, issues.sort((a, b) => a.line - b.line));
  return candles;
}

/**
 * The reading half of parseCandleCsv, for a caller with its own row rules (the simulator's 1-minute
 * replay): checks the header (throws CandleCsvError), then reads each row's six cells (open_time by
 * parseOpenTime, the rest as plain numbers). Rows that cannot be read are `issues`, not `rows`; no
 * candle rule (OHLC order, alignment, sequence) is applied here.
 */
export function readCandleCsvRows(text: string, source = "CSV"): { rows: { line: number; cells: number[] }[]; issues: CsvIssue[] } {
  const lines = text.split(/\r?\n/);
  const issues: CsvIssue[] = [];
  const header = lines[0]?.replace(/^\uFEFF/, "").trim().toLowerCase().split(",").map((h) => h.trim());
  if (!header || header.join(",") !== CANDLE_CSV_HEADER) {
    throw new CandleCsvError(source, [{ line: 1, message: `expected the header "${CANDLE_CSV_HEADER}", found "${lines[0] ?? ""}"` }]);
  }
  const rows: { line: number; cells: number[] }[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === "") continue;
    const cells = raw.split(",");
    if (cells.length !== COLUMNS.length) {
      issues.push({ line: i + 1, message: `expected ${COLUMNS.length} columns, found ${cells.length}` });
      continue;
    }
    const openTime = parseOpenTime(cells[0]);
    if (openTime === undefined) {
      issues.push({ line: i + 1, message: `open_time "${cells[0]}" is neither an ISO UTC time nor epoch milliseconds` });
      continue;
    }
    const values = [openTime];
    let bad = false;
    for (let c = 1; c < COLUMNS.length; c++) {
      const cell = cells[c].trim();
      if (!NUMBER.test(cell)) {
        issues.push({ line: i + 1, message: `${COLUMNS[c]} "${cells[c]}" is not a number` });
        bad = true;
        break;
      }
      values.push(Number(cell));
    }
    if (!bad) rows.push({ line: i + 1, cells: values });
  }
  return { rows, issues };
}

function inferTimeframe(times: number[], source: string): Timeframe {
  let smallest = Number.POSITIVE_INFINITY;
  for (let i = 1; i < times.length; i++) {
    const gap = times[i] - times[i - 1];
    if (gap > 0 && gap < smallest) smallest = gap;
  }
  const match = (Object.entries(TIMEFRAME_MS) as [Timeframe, number][]).find(([, ms]) => ms === smallest);
  if (!match) {
    throw new CandleCsvError(source, [
      { line: 2, message: "cannot tell the timeframe from the rows; pass it explicitly (1m, 5m, 15m, 1h, 4h or 1d)" },
    ]);
  }
  return match[0];
}

/**
 * "BTCUSDT-1m-2023-03-01_21.csv" → { symbol: "BTC/USDT", timeframe: "1m" }: the naming of Binance's
 * data dumps and of this project's sample files. Undefined parts when the name does not say.
 */
export function symbolAndTimeframeFromFileName(file: string): { symbol?: string; timeframe?: Timeframe } {
  const name = path.basename(file).toUpperCase();
  const m = /^([A-Z0-9]+?)(USDT|USDC|FDUSD|BUSD|TUSD|BTC|ETH|BNB|EUR|USD|TRY)[-_](\d+[MHD])\b/.exec(name);
  if (!m) return {};
  const tf = m[3].toLowerCase();
  return { symbol: `${m[1]}/${m[2]}`, timeframe: isTimeframe(tf) ? tf : undefined };
}

export interface ImportCandleCsvOptions {
  /** Default: from the file name (BTCUSDT-1m-... → BTC/USDT). */
  symbol?: string;
  /** Default: from the file name, else from the spacing of the rows. */
  timeframe?: Timeframe;
  /** Save the candles here (upsert), in batches. */
  store?: CandleStore;
  batchSize?: number;
}

/** Reads and validates a candle CSV file (see parseCandleCsv); saves it to `store` when given. */
export async function importCandleCsv(file: string, options: ImportCandleCsvOptions = {}): Promise<Candle[]> {
  const fromName = symbolAndTimeframeFromFileName(file);
  const symbol = options.symbol ?? fromName.symbol;
  if (!symbol) {
    throw new CandleCsvError(file, [{ line: 1, message: "the file name does not say the symbol; pass it explicitly (e.g. BTC/USDT)" }]);
  }
  const text = await readFile(file, "utf8");
  const candles = parseCandleCsv(text, { symbol, timeframe: options.timeframe ?? fromName.timeframe, source: file });
  if (options.store) {
    const batch = options.batchSize ?? 5000;
    for (let i = 0; i < candles.length; i += batch) await options.store.saveClosed(candles.slice(i, i + batch));
  }
  return candles;
}

/**
 * Gets a CSV file ready to be appended to: writes the header into a new or empty file, drops a last
 * line cut short by a crash, and returns the open time of the last complete row (undefined if none).
 */
export async function prepareCsvForAppend(file: string): Promise<number | undefined> {
  const size = await stat(file).then((s) => s.size, () => -1);
  const handle = await open(file, size < 0 ? "w+" : "r+");
  try {
    if (size <= 0) {
      await handle.write(`${CANDLE_CSV_HEADER}\n`);
      return undefined;
    }
    const tailSize = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(tailSize);
    await handle.read(buffer, 0, tailSize, size - tailSize);
    const tail = buffer.toString("utf8");
    let keep = size;
    let body = tail;
    if (!tail.endsWith("\n")) {
      // The last row was being written when the process stopped: drop it, it is fetched again.
      const cut = tail.lastIndexOf("\n");
      keep = size - (tail.length - (cut + 1));
      body = tail.slice(0, cut + 1);
    }
    if (keep !== size) await handle.truncate(keep);
    if (keep === 0) {
      await handle.write(`${CANDLE_CSV_HEADER}\n`, 0);
      return undefined;
    }
    const lines = body.split("\n").filter((l) => l.trim() !== "");
    const last = lines[lines.length - 1];
    if (last === undefined || last.trim().toLowerCase() === CANDLE_CSV_HEADER) return undefined;
    const t = parseOpenTime(last.split(",")[0]);
    if (t === undefined) {
      const lineCount = (await readFile(file, "utf8")).split("\n").filter((l) => l.trim() !== "").length;
      throw new CandleCsvError(file, [{ line: lineCount, message: `last row "${last}" has no readable open_time; not appending to it` }]);
    }
    return t;
  } finally {
    await handle.close();
  }
}
