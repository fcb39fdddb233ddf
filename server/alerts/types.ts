import type { KernelMode, TradingState } from "../model/types";

/**
 * Alerts: what the bot tells its owner, on Telegram, by e-mail and to a webhook. Domain types only;
 * the service (service.ts) turns engine events into alerts, applies dedupe, rate limits and quiet
 * hours, delivers them and keeps the alert log.
 */
export type AlertSeverity = "info" | "warning" | "critical";
export const SEVERITY_RANK: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 };

/** Stable kinds: routing, the log's filter and the webhook's `kind` field use them. */
export const ALERT_KINDS = [
  "kill_switch",
  "exit_alarm",
  "trading_state",
  "breaker",
  "daily_loss_warning",
  "position_opened",
  "position_closed",
  "large_pnl",
  "order_failed",
  "venue_error",
  "reconciliation",
  "warning",
  "performance",
  "unusual_volume",
  "daily_summary",
  "weekly_summary",
  "test",
  /** A Telegram command that was obeyed (logged, never sent). */
  "command",
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export interface Alert {
  kind: AlertKind;
  severity: AlertSeverity;
  /** One line: what happened. */
  title: string;
  /** The details a trader needs, plain text (several lines allowed). */
  text: string;
  /** Dedupe key: the same key inside the dedupe window is one alert (kind + subject, e.g. "venue_error:binance"). */
  key: string;
  mode?: KernelMode;
  data: Record<string, unknown>;
  at: number;
}

export const CHANNEL_KINDS = ["telegram", "email", "webhook"] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export interface ChannelRouting {
  /** Alerts below this severity are not sent on this channel. */
  minSeverity: AlertSeverity;
  /** When set, only these kinds (critical alerts are always sent). */
  kinds?: AlertKind[];
}

export interface TelegramSettings {
  chatIds: string[];
  apiRoot: string;
}
export interface TelegramSecrets {
  botToken: string;
}
export interface EmailSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  from: string;
  to: string[];
}
export interface EmailSecrets {
  password?: string;
}
export interface WebhookSettings {
  url: string;
}
export interface WebhookSecrets {
  secret?: string;
}

export type ChannelDefinition =
  | { kind: "telegram"; settings: TelegramSettings; secrets: TelegramSecrets }
  | { kind: "email"; settings: EmailSettings; secrets: EmailSecrets }
  | { kind: "webhook"; settings: WebhookSettings; secrets: WebhookSecrets };

/** A channel as the service uses it: from the config file/environment ("config") or Settings ("settings"). */
export type AlertChannel = ChannelDefinition & {
  id: string;
  name: string;
  enabled: boolean;
  source: "config" | "settings";
  routing: ChannelRouting;
};

export type DeliveryStatus = "pending" | "sent" | "failed" | "deduplicated" | "rate_limited" | "quiet_hours" | "not_routed";

export interface Delivery {
  channelId: string;
  channelName: string;
  kind: ChannelKind;
  status: DeliveryStatus;
  attempts: number;
  error?: string;
}

export interface AlertLogEntry extends Alert {
  id: string;
  deliveries: Delivery[];
  /** Identical alerts folded into this entry by deduplication. */
  repeats: number;
}

/** Persistence of the alert log and of the channels added in Settings (Prisma in production). */
export interface AlertStore {
  appendLog(entry: AlertLogEntry): Promise<void>;
  updateLog(id: string, patch: Pick<AlertLogEntry, "deliveries" | "repeats">): Promise<void>;
  listLog(q: { limit: number; before?: number; kind?: AlertKind; severity?: AlertSeverity }): Promise<AlertLogEntry[]>;
  /** The newest entry of a kind (summaries: "was today's already sent?", survives restarts). */
  lastOfKind(kind: AlertKind): Promise<AlertLogEntry | null>;
  listChannels(): Promise<AlertChannel[]>;
  saveChannel(channel: AlertChannel): Promise<void>;
  deleteChannel(id: string): Promise<boolean>;
}

/** What a channel's sender does; each kind has one (channels/). */
export interface ChannelSender {
  /** Resolves with the number of attempts it took; rejects after the last failed attempt. */
  send(alert: Alert): Promise<{ attempts: number }>;
  close(): Promise<void>;
}

// ---- what the Telegram commands and the summaries need from the engine (one object, wired by the lead) ----

export interface StatusView {
  mode: KernelMode;
  venueLabel: string;
  tradingState: TradingState;
  tradingStateReason: string | null;
  equity: number;
  cash: number;
  realizedPnl: number;
  unrealizedPnl: number;
  todayPnl: number;
  quoteCurrency: string;
  openPositions: number;
  feed: string;
  exitAlarms: number;
}

export interface PositionLine {
  symbol: string;
  side: string;
  quantity: number;
  avgEntryPrice: number;
  markPrice: number;
  unrealizedPnl: number;
  unrealizedPct: number;
}

export interface PeriodReport {
  from: number;
  to: number;
  quoteCurrency: string;
  pnl: number;
  trades: number;
  wins: number;
  /** Percent, null without trades. */
  winRatePct: number | null;
  /** Largest peak-to-trough fall of equity in the period, percent. */
  maxDrawdownPct: number;
  equity: number;
  /** Sharpe of the per-trade returns in the period (null under 2 trades). */
  sharpe: number | null;
}

export interface TradingCommands {
  status(): Promise<StatusView>;
  positions(): Promise<PositionLine[]>;
  /** Realized/unrealized totals of the current mode. */
  pnl(): Promise<{ realizedPnl: number; unrealizedPnl: number; todayPnl: number; trades: number; winRatePct: number | null; quoteCurrency: string }>;
  /** Realized P&L per local day, newest first. */
  daily(days: number): Promise<Array<{ day: string; pnl: number; trades: number }>>;
  /** P&L, trades, win rate and drawdown between two instants (summaries). */
  report(from: number, to: number): Promise<PeriodReport>;
  /** Kill switch, "stop-entries": no new entries, positions kept. Returns a sentence. */
  stopEntries(actor: string): Promise<string>;
  /** Kill switch, "flatten": cancel everything, close every position. Returns a sentence. */
  kill(actor: string): Promise<string>;
  /** Whether the owner has two-factor on (then /kill needs a code), and the check of a code. */
  twoFactorEnabled(): Promise<boolean>;
  verifyTotp(code: string): Promise<boolean>;
}
