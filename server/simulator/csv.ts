import { readFile } from "node:fs/promises";

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

const EXPECTED_HEADER = ["open_time", "open", "high", "low", "close", "volume"];
const MINUTE = 60_000;

function parseOpenTime(raw: string): number {
  const text = raw.trim();
  if (/^\d{12,14}$/.test(text)) return Number(text);
  // "2023-03-01 00:00:00+00:00" is ISO-8601 with a space instead of the T.
  const iso = text.includes("T") ? text : text.replace(" ", "T");
  const parsed = Date.parse(iso);
  return Number.isFinite(parsed) ? parsed : Number.NaN;
}

/**
 * Parse a candle CSV with header `open_time,open,high,low,close,volume` (open_time as epoch ms or
 * "2023-03-01 00:00:00+00:00"). Rows must be 1-minute candles in ascending time; missing minutes
 * are allowed (the replay plays rows back to back). Every bad row is reported with its line number.
 */
export function parseCandleCsv(text: string, source = "CSV"): CsvCandle[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map((h) => h.trim().toLowerCase());
  if (EXPECTED_HEADER.some((name, i) => header[i] !== name)) {
    throw new CsvFormatError(`${source}: header must be "${EXPECTED_HEADER.join(",")}", got "${lines[0] ?? ""}"`);
  }
  const rows: CsvCandle[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    const lineNo = i + 1;
    const cells = line.split(",");
    if (cells.length < 6) throw new CsvFormatError(`${source} line ${lineNo}: expected 6 columns, got ${cells.length}`);
    const openTime = parseOpenTime(cells[0]);
    if (!Number.isFinite(openTime)) throw new CsvFormatError(`${source} line ${lineNo}: open_time "${cells[0]}" is not a date or epoch milliseconds`);
    const [open, high, low, close, volume] = cells.slice(1, 6).map((c) => Number(c.trim()));
    const named = { open, high, low, close };
    for (const [name, value] of Object.entries(named)) {
      if (!(Number.isFinite(value) && value > 0)) throw new CsvFormatError(`${source} line ${lineNo}: ${name} "${value}" must be a positive number`);
    }
    if (!(Number.isFinite(volume) && volume >= 0)) throw new CsvFormatError(`${source} line ${lineNo}: volume must be a number >= 0`);
    if (high < Math.max(open, close) || low > Math.min(open, close)) {
      throw new CsvFormatError(`${source} line ${lineNo}: high/low do not contain open and close`);
    }
    const previous = rows[rows.length - 1];
    if (previous && openTime <= previous.openTime) {
      throw new CsvFormatError(`${source} line ${lineNo}: open_time is not after the previous row's`);
    }
    if (previous && (openTime - previous.openTime) % MINUTE !== 0) {
      throw new CsvFormatError(`${source} line ${lineNo}: rows must be 1-minute candles (time step ${openTime - previous.openTime} ms)`);
    }
    rows.push({ openTime, open, high, low, close, volume });
  }
  if (rows.length === 0) throw new CsvFormatError(`${source}: no candle rows`);
  if (rows.length > 1) {
    let minStep = Infinity;
    for (let i = 1; i < rows.length; i++) minStep = Math.min(minStep, rows[i].openTime - rows[i - 1].openTime);
    if (minStep !== MINUTE) throw new CsvFormatError(`${source}: rows must be 1-minute candles (smallest step is ${minStep / MINUTE} minutes)`);
  }
  return rows;
}

export async function loadCandleCsv(path: string): Promise<CsvCandle[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new CsvFormatError(`cannot read candle CSV ${path}: ${(err as Error).message}`);
  }
  return parseCandleCsv(text, path);
}
