import { readFile } from "node:fs/promises";
import { CandleCsvError, readCandleCsvRows } from "../market";

/** One row of a 1-minute candle CSV. */
export interface CsvCandle {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export class CsvFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CsvFormatError";
  }
}

const MINUTE = 60_000;

/**
 * Parse a candle CSV with header `open_time,open,high,low,close,volume` for the replay. Reading
 * (header, columns, open_time rules, numbers) is the market module's one CSV reader
 * (readCandleCsvRows); this keeps only the replay's own checks: positive prices, OHLC order, rows
 * 1-minute candles in ascending time (missing minutes are allowed: the replay plays rows back to
 * back). The first bad line is reported with its number.
 */
export function parseReplayCsv(text: string, source = "CSV"): CsvCandle[] {
  let read: ReturnType<typeof readCandleCsvRows>;
  try {
    read = readCandleCsvRows(text, source);
  } catch (err) {
    if (err instanceof CandleCsvError) throw new CsvFormatError(`${source}: ${err.issues[0]?.message ?? err.message}`);
    throw err;
  }
  const issues = [...read.issues];
  const rows: CsvCandle[] = [];
  for (const { line, cells } of read.rows) {
    const problem = replayProblem(cells, rows[rows.length - 1]);
    if (problem) {
      issues.push({ line, message: problem });
      continue;
    }
    const [openTime, open, high, low, close, volume] = cells;
    rows.push({ openTime, open, high, low, close, volume });
  }
  // The first bad line: every row before it was read and checked against its predecessor.
  const first = issues.sort((a, b) => a.line - b.line)[0];
  if (first) throw new CsvFormatError(`${source} line ${first.line}: ${first.message}`);
  if (rows.length === 0) throw new CsvFormatError(`${source}: no candle rows`);
  if (rows.length > 1) {
    let minStep = Infinity;
    for (let i = 1; i < rows.length; i++) minStep = Math.min(minStep, rows[i].openTime - rows[i - 1].openTime);
    if (minStep !== MINUTE) throw new CsvFormatError(`${source}: rows must be 1-minute candles (smallest step is ${minStep / MINUTE} minutes)`);
  }
  return rows;
}

/** The replay's row rules (the market reader applies none). */
function replayProblem(cells: number[], previous: CsvCandle | undefined): string | undefined {
  const [openTime, open, high, low, close, volume] = cells;
  for (const [name, value] of Object.entries({ open, high, low, close })) {
    if (!(Number.isFinite(value) && value > 0)) return `${name} "${value}" must be a positive number`;
  }
  if (!(Number.isFinite(volume) && volume >= 0)) return "volume must be a number >= 0";
  if (high < Math.max(open, close) || low > Math.min(open, close)) return "high/low do not contain open and close";
  if (previous && openTime <= previous.openTime) return "open_time is not after the previous row's";
  if (previous && (openTime - previous.openTime) % MINUTE !== 0) return `rows must be 1-minute candles (time step ${openTime - previous.openTime} ms)`;
  return undefined;
}

export async function loadReplayCsv(path: string): Promise<CsvCandle[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new CsvFormatError(`cannot read candle CSV ${path}: ${(err as Error).message}`);
  }
  return parseReplayCsv(text, path);
}
