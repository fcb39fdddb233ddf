import type { Decimal } from "@prisma/client/runtime/client";
import { toDecimalString } from "../../core/decimal";

/** Prisma NUMERIC → JS number (the engine's hot-path representation, see server/core/decimal.ts). */
export function num(value: Decimal | number | string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === "number") return value;
  if (typeof value === "string") return Number(value);
  return value.toNumber();
}

export function optNum(value: Decimal | null | undefined): number | undefined {
  return value === null || value === undefined ? undefined : value.toNumber();
}

export function ms(date: Date | null | undefined): number | undefined {
  return date ? date.getTime() : undefined;
}

/** JS number → NUMERIC input; NaN/Infinity never reach the database. */
export function dec(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`refusing to store a non-finite amount: ${value}`);
  return toDecimalString(value);
}

export function optDec(value: number | undefined | null): string | null {
  return value === undefined || value === null ? null : dec(value);
}
