/**
 * CSV for downloads (trades, session reports, backtests): RFC 4180 quoting, times (columns ending in
 * "At" or named "timestamp") as ISO-8601 UTC, and text that a spreadsheet would run as a formula
 * (=, +, -, @ first) prefixed with a quote.
 */
function cell(column: string, value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number" && (column.endsWith("At") || column === "timestamp")) return new Date(value).toISOString();
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv<T extends object>(columns: readonly (keyof T & string)[], rows: readonly T[]): string {
  const lines = [columns.join(",")];
  for (const row of rows) lines.push(columns.map((c) => cell(c, row[c])).join(","));
  return `${lines.join("\n")}\n`;
}
