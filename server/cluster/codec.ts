import { Download, isDownload } from "../application";

/**
 * Values crossing Redis between a web node and the engine: JSON, plus what route handlers pass or get
 * that JSON would change: an undefined argument (kept undefined, not null), a Date (kept a Date) and a
 * Download (an export, kept a Download so the web node answers with the same file). Everything else is what Response.json would send.
 */
const TAG = "__tk";

export function encodeValue(value: unknown): string {
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const original = this[key];
    // An omitted argument stays undefined (JSON would make it null: `positions.list(undefined)` ≠ `list(null)`).
    if (original === undefined && Array.isArray(this)) return { [TAG]: "undefined" };
    if (original instanceof Date) return { [TAG]: "date", v: original.getTime() };
    if (isDownload(original)) return { [TAG]: "download", filename: original.filename, contentType: original.contentType, body: original.body };
    return v;
  });
  return text ?? "";
}

export function decodeValue(text: string | undefined | null): unknown {
  if (text === undefined || text === null || text === "") return undefined;
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === "object" && TAG in v) {
      const t = v as Record<string, unknown>;
      if (t[TAG] === "undefined") return undefined;
      if (t[TAG] === "date") return new Date(Number(t.v));
      if (t[TAG] === "download") return new Download(String(t.filename), String(t.contentType), String(t.body));
    }
    return v;
  });
}
