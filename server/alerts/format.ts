import type { Alert } from "./types";

/** Plain-text rendering shared by the channels (Telegram, e-mail); the webhook sends the fields. */
export function money(value: number, quote: string): string {
  return `${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${quote}`;
}

export function signedMoney(value: number, quote: string): string {
  return `${value > 0 ? "+" : value < 0 ? "−" : ""}${money(Math.abs(value), quote)}`;
}

export function pct(value: number): string {
  return `${value > 0 ? "+" : ""}${value.toFixed(2)} %`;
}

const ICON: Record<Alert["severity"], string> = { critical: "🚨", warning: "⚠️", info: "ℹ️" };

export function alertText(alert: Alert & { repeats?: number }): string {
  const head = `${ICON[alert.severity]} ${alert.title}`;
  const repeats = alert.repeats ? `\n(${alert.repeats} similar alert(s) folded into this one)` : "";
  return `${head}\n${alert.text}${repeats}\n— Tradekeel, ${new Date(alert.at).toISOString().replace("T", " ").slice(0, 19)} UTC`;
}

export function alertSubject(alert: Alert): string {
  return `[Tradekeel ${alert.severity.toUpperCase()}] ${alert.title}`;
}
