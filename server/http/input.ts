import { z } from "zod";

/**
 * The one contract for input a person types or a client sends, shared by every schema that stores it.
 * PostgreSQL cannot store a NUL character in text or JSON, and a lone UTF-16 surrogate is not a
 * character at all (it is silently turned into U+FFFD on the way to the database, or breaks the audit
 * chain's JSON): both are refused here, with the field's name, before anything is written.
 */

/** The largest money amount accepted (quote currency): far above any account, far below Decimal(30, 8) and float precision trouble. */
export const MAX_MONEY = 1_000_000_000_000;

/** C0 control characters and DEL: never part of a name (NUL among them). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one (UTF-16 code units). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be stored, or null. */
export function textProblem(value: string): string | null {
  if (value.includes("\u0000")) return "must not contain a NUL character (\\u0000)";
  if (LONE_SURROGATE.test(value)) return "must not contain a lone surrogate (invalid Unicode)";
  return null;
}

export interface UserTextOptions {
  /** Longest accepted length after trimming (UTF-16 code units). */
  max: number;
  /** Shortest accepted length after trimming. Default 1 (a blank name is no name). */
  min?: number;
}

/**
 * Single-line user text (names, labels): trimmed, between `min` and `max` long, no control characters
 * (NUL included), no lone surrogates.
 */
export function userText({ max, min = 1 }: UserTextOptions) {
  return z
    .string()
    .trim()
    .min(min, min === 1 ? "must not be empty" : `must be at least ${min} characters`)
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !LONE_SURROGATE.test(v), "must not contain a lone surrogate (invalid Unicode)")
    .refine((v) => !CONTROL.test(v), "must not contain control characters such as NUL (\\u0000)");
}

/** A positive, finite money amount no larger than `max` (default MAX_MONEY). */
export function moneyAmount({ max = MAX_MONEY }: { max?: number } = {}) {
  return z.number().positive().finite().max(max, `must be at most ${max}`);
}

/**
 * The first string anywhere in a parsed JSON value (keys included) that cannot be stored, with its
 * path ("name", "params.label", "symbols.0"); null when every string is fine. Iterative, so a deeply
 * nested body cannot overflow the stack.
 */
export function findBadText(root: unknown): { path: string; message: string } | null {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: root, path: [] }];
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (typeof value === "string") {
      const problem = textProblem(value);
      if (problem) return { path: path.join("."), message: problem };
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] });
    } else if (value !== null && typeof value === "object") {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        const keyProblem = textProblem(key);
        if (keyProblem) return { path: [...path, key].join("."), message: `key ${keyProblem}` };
        stack.push({ value: child, path: [...path, key] });
      }
    }
  }
  return null;
}
