import type { Candle, EquitySnapshot, Fill, KernelMode, Order, OrderBook, Signal, TradingState } from "../model/types";
import type { LedgerClosedTrade, LedgerPosition } from "../portfolio";
import type { KillSwitchStatus, RiskEvent } from "../risk";
import type { ExitAlarm } from "./exit-guard";

/** What became of a signal: an order was sent, the risk engine refused it, or nothing followed. */
export interface SignalExecution {
  status: "executed" | "blocked" | "skipped";
  /** The denial's reason code when blocked; why it was skipped otherwise (e.g. "GHOST_MODE", "NO_POSITION"). */
  code: string | null;
  message: string | null;
  clientOrderId: string | null;
}

/**
 * Everything the engine publishes, after its own state is updated. Persistence, the realtime feed
 * and alerts subscribe; the engine never calls them.
 */
export interface EngineEvents {
  candle: Candle;
  "candle:update": Candle;
  ticker: { symbol: string; last: number; change24hPct: number | null; timestamp: number };
  orderbook: OrderBook;
  /**
   * Published when the strategy emits the signal (execution null) and again, with the same id, once
   * the engine has acted on it (docs/api.md, "signals.execution").
   */
  signal: Signal & { mode: KernelMode; execution?: SignalExecution | null };
  /** A ghost/paper/live signal's hypothetical or real outcome once its trade closed. */
  "signal:outcome": { signalId: string; mode: KernelMode; outcome: "win" | "loss"; exitPrice: number; outcomePct: number; at: number };
  order: Order;
  fill: Fill & { mode: KernelMode };
  /** A position after a change; quantity 0 means it was closed. */
  position: LedgerPosition & { status: "open" | "closed" };
  trade: LedgerClosedTrade & { signalId?: string; entryOrderId?: string; exitOrderId?: string };
  equity: EquitySnapshot & { mode: KernelMode };
  "risk:event": RiskEvent & { mode: KernelMode };
  "trading-state": { mode: KernelMode; tradingState: TradingState; reason: string | null };
  "kill-switch": KernelKillSwitchStatus;
  "mode:changed": { mode: KernelMode; previous: KernelMode };
  "strategy:error": { instanceId: string; kind: string; symbol: string; message: string; at: number };
  /** A position's remainder below the venue's minimums was moved out of the open positions into dust. */
  dust: { mode: KernelMode; symbol: string; positionId: string; quantity: number; reason: string; at: number };
  /** The account's current exit alarms (the full list; empty = all resolved). See exit-guard.ts. */
  "exit:alarm": { mode: KernelMode; alarms: ExitAlarm[] };
  /** Something a person should see that did not stop trading. */
  warning: { code: string; message: string; mode?: KernelMode; at: number };
}

export interface KernelKillSwitchStatus {
  action: "flatten" | "stop-entries" | null;
  phase: "idle" | "running" | "completed" | "incomplete";
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  ordersCancelled: number;
  positionsClosed: number;
  flatConfirmed: boolean;
  /** Per account (mode): the risk engine's own kill-switch status. */
  accounts: Partial<Record<KernelMode, KillSwitchStatus>>;
  remaining: { orders: { mode: KernelMode; clientOrderId: string; symbol: string; reason: string }[]; positions: { mode: KernelMode; symbol: string; side: string; quantity: number; reason: string }[] };
  errors: { mode: KernelMode; step: string; message: string; at: number }[];
}
