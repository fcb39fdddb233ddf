import type { Fill } from "../model/types";
import { notional, subQty } from "./booking";
import { exitRulesSchema, type ExitRules } from "./exits";
import { LedgerError, type FillMeta } from "./ledger-types";

/** Input checks of the ledger: a fill, its metadata and a mark price (each failure a LedgerError naming the problem). */

export const isFiniteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
export const isPositive = (v: unknown): v is number => isFiniteNumber(v) && v > 0;

export function validateFill(fill: Fill): void {
  const problems: string[] = [];
  if (fill === null || typeof fill !== "object") throw new LedgerError("LEDGER_INVALID_FILL", "fill rejected: not an object");
  if (typeof fill.symbol !== "string" || fill.symbol.length === 0) problems.push("symbol must be a non-empty string");
  if (fill.side !== "buy" && fill.side !== "sell") problems.push(`side must be "buy" or "sell", got ${String(fill.side)}`);
  if (!isPositive(fill.price)) problems.push(`price must be a finite number > 0, got ${String(fill.price)}`);
  if (!isPositive(fill.quantity)) problems.push(`quantity must be a finite number > 0, got ${String(fill.quantity)}`);
  if (!isFiniteNumber(fill.fee) || fill.fee < 0) problems.push(`fee must be a finite number >= 0, got ${String(fill.fee)}`);
  if (!isFiniteNumber(fill.timestamp)) problems.push(`timestamp must be a finite epoch-ms number, got ${String(fill.timestamp)}`);
  if (problems.length === 0 && !Number.isFinite(fill.price * fill.quantity)) problems.push("price × quantity overflows");
  if (fill.baseFee !== undefined) {
    const baseFee = fill.baseFee;
    if (!isFiniteNumber(baseFee) || baseFee < 0) problems.push(`baseFee must be a finite number >= 0, got ${String(baseFee)}`);
    else if (problems.length === 0 && baseFee > 0) {
      if (!(baseFee < fill.quantity) || subQty(fill.quantity, baseFee) <= 0)
        problems.push(`baseFee must be below the quantity ${fill.quantity}, got ${baseFee}`);
      else if (fill.fee > notional(fill.quantity, fill.price))
        problems.push(`fee ${fill.fee} exceeds the traded notional ${notional(fill.quantity, fill.price)} of a fill whose fee was withheld in base`);
    }
  }
  if (problems.length > 0) {
    const what = typeof fill.symbol === "string" ? `${String(fill.side)} ${fill.symbol}` : "fill";
    throw new LedgerError("LEDGER_INVALID_FILL", `fill rejected (${what}, order ${String(fill.clientOrderId)}): ${problems.join("; ")}`, {
      problems,
    });
  }
}

export function validateMeta(meta: FillMeta): ExitRules | null {
  const problems: string[] = [];
  if (meta.strategyInstanceId !== undefined && (typeof meta.strategyInstanceId !== "string" || meta.strategyInstanceId === ""))
    problems.push("strategyInstanceId must be a non-empty string when given");
  for (const field of ["stopLoss", "takeProfit", "atr"] as const) {
    const value = meta[field];
    if (value !== undefined && !isPositive(value)) problems.push(`${field} must be a finite number > 0 when given, got ${String(value)}`);
  }
  let rules: ExitRules | null = null;
  if (meta.exitRules !== undefined) {
    const parsed = exitRulesSchema.safeParse(meta.exitRules);
    if (parsed.success) rules = parsed.data;
    else problems.push(`exitRules: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join(", ")}`);
  }
  if (problems.length > 0) throw new LedgerError("LEDGER_INVALID_FILL", `fill rejected: ${problems.join("; ")}`, { problems });
  return rules;
}

export function invalidPrice(symbol: string, price: unknown): LedgerError {
  return new LedgerError("LEDGER_INVALID_PRICE", `mark rejected for ${symbol}: price must be a finite number > 0, got ${String(price)}`);
}

