import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/**
 * Token unlock calendar: a user-supplied CSV or JSON file of scheduled token unlocks.
 *
 * CSV: a header row with `symbol,date,share_pct` (and optionally `note`), one unlock per row, fields
 * may be double-quoted. JSON: an array of `{ "symbol", "date", "sharePct", "note"? }` objects, or
 * `{ "unlocks": [...] }`.
 * - symbol: a token ("ARB", matches every ARB/... pair) or a pair ("ARB/USDT", matches only that pair).
 * - date: "2024-03-16" (00:00 UTC) or an ISO 8601 time with a zone, e.g. "2024-03-16T12:00:00Z".
 * - share_pct: the unlocked amount as a percentage of supply (2.5 means 2.5 %), > 0 and ≤ 100.
 */
export interface UnlockEvent {
  /** Token ("ARB") or pair ("ARB/USDT"), upper case. */
  symbol: string;
  /** Unlock time, epoch ms UTC. */
  time: number;
  /** Unlocked share of supply, percent. */
  sharePct: number;
  note?: string;
}

export class UnlockCalendarError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Unlock calendar ${source} is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "UnlockCalendarError";
  }
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

const requiredText = () => z.string({ error: (issue) => (issue.input === undefined ? "is required" : "expected text") });

const unlockRowSchema = z.object({
  symbol: requiredText()
    .trim()
    .transform((s) => s.toUpperCase())
    .pipe(z.string().regex(/^[A-Z0-9]+(\/[A-Z0-9]+)?$/, 'expected a token such as "ARB" or a pair such as "ARB/USDT"')),
  date: requiredText()
    .trim()
    .refine((s) => DATE_ONLY.test(s) || DATE_TIME_WITH_ZONE.test(s), 'expected "YYYY-MM-DD" or an ISO time with a zone such as "2024-03-16T12:00:00Z"')
    .transform((s, ctx) => {
      const time = Date.parse(DATE_ONLY.test(s) ? `${s}T00:00:00Z` : s);
      if (Number.isNaN(time)) {
        ctx.addIssue({ code: "custom", message: "is not a real calendar date" });
        return z.NEVER;
      }
      return time;
    }),
  sharePct: z.preprocess(
    (v) => (typeof v === "string" && v.trim() !== "" ? Number(v) : v),
    z
      .number({ error: (issue) => (issue.input === undefined ? "is required" : "expected a number") })
      .gt(0, "must be above 0")
      .max(100, "must be at most 100 (it is a percentage of supply)"),
  ),
  note: z.string().trim().optional(),
});

const MAX_REPORTED_PROBLEMS = 20;

function toEvents(source: string, rows: { line: string; value: Record<string, unknown> }[]): UnlockEvent[] {
  const problems: string[] = [];
  const events: UnlockEvent[] = [];
  for (const { line, value } of rows) {
    const parsed = unlockRowSchema.safeParse(value);
    if (parsed.success) {
      const { symbol, date, sharePct, note } = parsed.data;
      events.push(note ? { symbol, time: date, sharePct, note } : { symbol, time: date, sharePct });
      continue;
    }
    for (const issue of parsed.error.issues) {
      const field = issue.path.join(".") || "row";
      const received = issue.path.length ? value[String(issue.path[0])] : value;
      problems.push(`${line}: ${field} ${issue.message} (got ${JSON.stringify(received) ?? "nothing"})`);
    }
  }
  if (problems.length > MAX_REPORTED_PROBLEMS) {
    const more = problems.length - MAX_REPORTED_PROBLEMS;
    problems.length = MAX_REPORTED_PROBLEMS;
    problems.push(`... and ${more} more`);
  }
  if (problems.length) throw new UnlockCalendarError(source, problems);
  return events.sort((a, b) => a.time - b.time);
}

/** Splits CSV text into records, honouring double-quoted fields ("" is an escaped quote). */
function parseCsvRecords(text: string): string[][] {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ",") {
      record.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else {
      field += ch;
    }
  }
  if (field !== "" || record.length) {
    record.push(field);
    records.push(record);
  }
  return records;
}

const HEADER_ALIASES: Record<string, string> = {
  symbol: "symbol",
  token: "symbol",
  date: "date",
  time: "date",
  share_pct: "sharePct",
  sharepct: "sharePct",
  share_of_supply_pct: "sharePct",
  note: "note",
};

export function parseUnlockCsv(text: string, source = "(csv)"): UnlockEvent[] {
  const records = parseCsvRecords(text.replace(/^\uFEFF/, ""));
  const nonEmpty = records.map((r, i) => ({ r, lineNo: i + 1 })).filter(({ r }) => r.some((f) => f.trim() !== ""));
  if (nonEmpty.length === 0) throw new UnlockCalendarError(source, ["the file is empty; expected a header row symbol,date,share_pct"]);
  const header = nonEmpty[0].r.map((h) => HEADER_ALIASES[h.trim().toLowerCase()] ?? h.trim());
  const missing = ["symbol", "date", "sharePct"].filter((c) => !header.includes(c));
  if (missing.length) {
    throw new UnlockCalendarError(source, [`the header row lacks ${missing.map((m) => (m === "sharePct" ? "share_pct" : m)).join(", ")}; expected symbol,date,share_pct[,note]`]);
  }
  return toEvents(
    source,
    nonEmpty.slice(1).map(({ r, lineNo }) => ({
      line: `line ${lineNo}`,
      value: Object.fromEntries(header.map((h, i) => [h, r[i] === undefined || r[i].trim() === "" ? undefined : r[i]])),
    })),
  );
}

export function parseUnlockJson(text: string, source = "(json)"): UnlockEvent[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UnlockCalendarError(source, [`not valid JSON: ${(err as Error).message}`]);
  }
  const list = Array.isArray(data) ? data : (data as { unlocks?: unknown } | null)?.unlocks;
  if (!Array.isArray(list)) throw new UnlockCalendarError(source, ['expected an array of unlocks or an object { "unlocks": [...] }']);
  return toEvents(
    source,
    list.map((value, i) => ({
      line: `entry ${i + 1}`,
      value: typeof value === "object" && value !== null ? (value as Record<string, unknown>) : { row: value },
    })),
  );
}

/** Parses calendar text; the format comes from the file name when given, else from the content. */
export function parseUnlockCalendar(text: string, source = "(calendar)"): UnlockEvent[] {
  const ext = path.extname(source).toLowerCase();
  if (ext === ".json") return parseUnlockJson(text, source);
  if (ext === ".csv") return parseUnlockCsv(text, source);
  const first = text.trimStart()[0];
  return first === "[" || first === "{" ? parseUnlockJson(text, source) : parseUnlockCsv(text, source);
}

/** Reads and validates a calendar file (relative paths resolve against the process's working directory). */
export function loadUnlockCalendar(filePath: string): UnlockEvent[] {
  const resolved = path.resolve(filePath);
  let text: string;
  try {
    text = readFileSync(resolved, "utf8");
  } catch (err) {
    throw new UnlockCalendarError(resolved, [`cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  return parseUnlockCalendar(text, resolved);
}

/** Does an event apply to this pair? A token matches every pair with that base asset. */
export function unlockAppliesTo(event: UnlockEvent, symbol: string): boolean {
  if (event.symbol.includes("/")) return event.symbol === symbol.toUpperCase();
  return event.symbol === symbol.split("/")[0].toUpperCase();
}
