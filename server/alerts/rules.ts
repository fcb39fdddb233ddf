import type { EngineEvents, KernelKillSwitchStatus } from "../engine";
import type { Candle, KernelMode } from "../model/types";
import type { Alert, AlertSeverity } from "./types";
import { money, pct, signedMoney } from "./format";

/**
 * Engine events → alerts. Stateful only where an event has to be compared with the one before
 * (kill-switch phases, the exit-alarm list, trading states, the last trades, volume averages);
 * every decision about sending is the policy's (policy.ts), not this file's.
 */
export interface RuleOptions {
  quoteCurrency: string;
  /** A closed trade with |P&L| ≥ this % of equity is "large". */
  largeTradePnlPct: number;
  minWinRatePct: number;
  winRateTrades: number;
  unusualVolumeFactor: number;
  /** Current equity of a mode (large-P&L threshold); undefined = use the trade's entry notional. */
  equity?: (mode: KernelMode) => number | undefined;
  /** Local day key of an instant (a performance alert is sent at most once a day). */
  dayKey: (t: number) => string;
}

type Handled = Pick<EngineEvents, "kill-switch" | "exit:alarm" | "trading-state" | "risk:event" | "position" | "trade" | "order" | "warning" | "strategy:error" | "candle">;
export type AlertEventName = keyof Handled;
export const ALERT_EVENT_NAMES: AlertEventName[] = ["kill-switch", "exit:alarm", "trading-state", "risk:event", "position", "trade", "order", "warning", "strategy:error", "candle"];

const VOLUME_WINDOW = 60;

export class AlertRules {
  private killPhase: string | null = null;
  private readonly alarms = new Map<string, string>();
  private readonly states = new Map<KernelMode, string>();
  private readonly openPositions = new Set<string>();
  private readonly tradeReturns = new Map<KernelMode, number[]>();
  private readonly volumes = new Map<string, number[]>();

  constructor(private readonly options: RuleOptions) {}

  evaluate<K extends AlertEventName>(name: K, payload: Handled[K], now: number): Alert[] {
    switch (name) {
      case "kill-switch":
        return this.killSwitch(payload as KernelKillSwitchStatus, now);
      case "exit:alarm":
        return this.exitAlarms(payload as EngineEvents["exit:alarm"], now);
      case "trading-state":
        return this.tradingState(payload as EngineEvents["trading-state"], now);
      case "risk:event":
        return this.riskEvent(payload as EngineEvents["risk:event"], now);
      case "position":
        return this.position(payload as EngineEvents["position"], now);
      case "trade":
        return this.trade(payload as EngineEvents["trade"], now);
      case "order":
        return this.order(payload as EngineEvents["order"], now);
      case "warning":
        return this.warning(payload as EngineEvents["warning"], now);
      case "strategy:error": {
        const e = payload as EngineEvents["strategy:error"];
        return [alert("warning", "warning", `Strategy error: ${e.kind} on ${e.symbol}`, e.message, `strategy_error:${e.instanceId}`, now, { ...e })];
      }
      case "candle":
        return this.candle(payload as Candle, now);
    }
    return [];
  }

  private killSwitch(s: KernelKillSwitchStatus, now: number): Alert[] {
    const phaseKey = `${s.phase}:${s.startedAt ?? ""}`;
    if (phaseKey === this.killPhase || s.phase === "idle") {
      if (s.phase === "idle") this.killPhase = phaseKey;
      return [];
    }
    this.killPhase = phaseKey;
    const what = s.action === "stop-entries" ? "stop new entries" : "flatten everything";
    const data = { action: s.action, phase: s.phase, ordersCancelled: s.ordersCancelled, positionsClosed: s.positionsClosed, flatConfirmed: s.flatConfirmed, durationMs: s.durationMs, remaining: s.remaining, errors: s.errors };
    const key = `kill_switch:${s.phase}:${s.startedAt ?? now}`;
    if (s.phase === "running") return [alert("kill_switch", "critical", `Kill switch started (${what})`, "Trading is HALTED: orders are being cancelled" + (s.action === "flatten" ? " and positions closed." : "; positions are kept."), key, now, data)];
    const lines = [
      `${s.ordersCancelled} order(s) cancelled, ${s.positionsClosed} position(s) closed${s.durationMs !== null ? ` in ${(s.durationMs / 1000).toFixed(1)} s` : ""}.`,
      s.flatConfirmed ? "The venue confirms the account is flat." : s.action === "flatten" ? "The venue does NOT confirm the account is flat." : "",
      ...s.remaining.positions.map((p) => `Still open: ${p.side} ${p.quantity} ${p.symbol} (${p.mode}): ${p.reason}`),
      ...s.remaining.orders.map((o) => `Still working: order ${o.clientOrderId} ${o.symbol} (${o.mode}): ${o.reason}`),
      ...s.errors.slice(0, 5).map((e) => `Error in ${e.step} (${e.mode}): ${e.message}`),
    ].filter(Boolean);
    const title = s.phase === "completed" ? `Kill switch finished: ${what} done` : `Kill switch INCOMPLETE: ${what} did not finish`;
    return [alert("kill_switch", "critical", title, lines.join("\n"), key, now, data)];
  }

  private exitAlarms(e: EngineEvents["exit:alarm"], now: number): Alert[] {
    const out: Alert[] = [];
    const seen = new Set<string>();
    for (const a of e.alarms) {
      seen.add(a.id);
      const signature = `${a.code}:${a.quantity}`;
      if (this.alarms.get(a.id) === signature) continue;
      this.alarms.set(a.id, signature);
      out.push(
        alert(
          "exit_alarm",
          "critical",
          `Exit alarm: could not get out of ${a.side} ${a.quantity} ${a.symbol} (${a.mode})`,
          `${a.code}: ${a.reason}\nAttempts: ${a.attempts}. Closable now: ${a.closableQuantity}. Check the venue and close it from the dashboard.`,
          `exit_alarm:${a.id}:${a.code}`,
          now,
          { ...a },
          a.mode,
        ),
      );
    }
    for (const id of [...this.alarms.keys()]) {
      if (id.startsWith(`${e.mode}:`) && !seen.has(id)) {
        this.alarms.delete(id);
        out.push(alert("exit_alarm", "info", `Exit alarm resolved: ${id.slice(e.mode.length + 1).split("|")[0]} (${e.mode})`, "The position is closed or closable again.", `exit_alarm_resolved:${id}`, now, { id }, e.mode));
      }
    }
    return out;
  }

  private tradingState(e: EngineEvents["trading-state"], now: number): Alert[] {
    const previous = this.states.get(e.mode);
    this.states.set(e.mode, e.tradingState);
    if (previous === e.tradingState || (previous === undefined && e.tradingState === "ACTIVE")) return [];
    const severity: AlertSeverity = e.tradingState === "HALTED" ? "critical" : e.tradingState === "REDUCING" ? "warning" : "info";
    const title = `Trading ${e.tradingState} (${e.mode})${previous ? `, was ${previous}` : ""}`;
    return [alert("trading_state", severity, title, e.reason ?? (e.tradingState === "ACTIVE" ? "Entries allowed again." : "no reason given"), `trading_state:${e.mode}:${e.tradingState}`, now, { ...e, previous: previous ?? null }, e.mode)];
  }

  private riskEvent(e: EngineEvents["risk:event"], now: number): Alert[] {
    const data = { code: e.code, kind: e.kind, ...e.data };
    if (e.kind === "breaker") {
      const kind = /RECONCIL/.test(e.code) ? "reconciliation" : "breaker";
      return [alert(kind, e.severity === "info" ? "warning" : e.severity, `Breaker tripped: ${e.code} (${e.mode})`, e.message, `breaker:${e.mode}:${e.code}`, now, data, e.mode)];
    }
    if (e.kind === "warning") {
      if (e.code === "DAILY_LOSS_WARNING") return [alert("daily_loss_warning", "warning", `Daily loss warning (${e.mode})`, e.message, `daily_loss_warning:${e.mode}:${this.options.dayKey(now)}`, now, data, e.mode)];
      if (e.code === "VENUE_ERROR") return [alert("venue_error", "warning", `Venue errors (${e.mode})`, e.message, `venue_error:${e.mode}`, now, data, e.mode)];
      if (/RECONCIL/.test(e.code)) return [alert("reconciliation", e.severity === "critical" ? "critical" : "warning", `Reconciliation: ${e.code} (${e.mode})`, e.message, `reconciliation:${e.mode}:${e.code}`, now, data, e.mode)];
      return [alert("warning", e.severity === "critical" ? "critical" : "warning", `Risk warning: ${e.code} (${e.mode})`, e.message, `risk_warning:${e.mode}:${e.code}`, now, data, e.mode)];
    }
    // Denials are counted in the metrics, state changes arrive as trading-state, kill-switch runs as kill-switch.
    return [];
  }

  private position(p: EngineEvents["position"], now: number): Alert[] {
    const id = `${p.mode}:${p.id}`;
    if (p.status === "closed" || p.quantity === 0) {
      this.openPositions.delete(id);
      return [];
    }
    if (this.openPositions.has(id)) return [];
    this.openPositions.add(id);
    // Only the fill that opened it (a later fill of a position opened before a restart is not an opening).
    if (p.updatedAt - p.openedAt > 1_000) return [];
    const q = this.options.quoteCurrency;
    return [
      alert(
        "position_opened",
        "info",
        `Opened ${p.side} ${p.quantity} ${p.symbol} at ${p.avgEntryPrice} (${p.mode})`,
        [p.entryReason, p.stopLoss !== undefined ? `Stop ${p.stopLoss}` : "", p.takeProfit !== undefined ? `Target ${p.takeProfit}` : "", `Notional ${money(p.quantity * p.avgEntryPrice, q)}`].filter(Boolean).join("\n"),
        `position_opened:${id}`,
        now,
        { positionId: p.id, symbol: p.symbol, side: p.side, quantity: p.quantity, avgEntryPrice: p.avgEntryPrice, stopLoss: p.stopLoss ?? null, takeProfit: p.takeProfit ?? null },
        p.mode,
      ),
    ];
  }

  private trade(t: EngineEvents["trade"], now: number): Alert[] {
    const q = this.options.quoteCurrency;
    const equity = this.options.equity?.(t.mode);
    const base = equity !== undefined && equity > 0 ? equity : t.entryPrice * t.quantity;
    const sharePct = base > 0 ? (Math.abs(t.pnl) / base) * 100 : 0;
    const large = sharePct >= this.options.largeTradePnlPct;
    const data = { tradeId: t.id, symbol: t.symbol, side: t.side, quantity: t.quantity, entryPrice: t.entryPrice, exitPrice: t.exitPrice, pnl: t.pnl, pnlPct: t.pnlPct, fees: t.fees, exitReason: t.exitReason, sharePct };
    const out: Alert[] = [
      alert(
        large ? "large_pnl" : "position_closed",
        large ? "warning" : "info",
        `${large ? (t.pnl >= 0 ? "Large profit" : "Large loss") + ": c" : "C"}losed ${t.side} ${t.quantity} ${t.symbol}: ${signedMoney(t.pnl, q)} (${pct(t.pnlPct)}) (${t.mode})`,
        [`Entry ${t.entryPrice} → exit ${t.exitPrice}, fees ${money(t.fees, q)}`, `Exit: ${t.exitReasonText || t.exitReason}`, large ? `That is ${sharePct.toFixed(2)} % of equity (threshold ${this.options.largeTradePnlPct} %).` : ""].filter(Boolean).join("\n"),
        `trade:${t.mode}:${t.id}`,
        now,
        data,
        t.mode,
      ),
    ];
    out.push(...this.performance(t.mode, t.pnlPct, now));
    return out;
  }

  /** Win rate of the last N trades below the minimum; Sharpe of the last N below the N before and negative. */
  private performance(mode: KernelMode, returnPct: number, now: number): Alert[] {
    const n = this.options.winRateTrades;
    const list = this.tradeReturns.get(mode) ?? [];
    list.push(returnPct);
    if (list.length > 2 * n) list.splice(0, list.length - 2 * n);
    this.tradeReturns.set(mode, list);
    if (list.length < n) return [];
    const out: Alert[] = [];
    const recent = list.slice(-n);
    const winRate = (recent.filter((r) => r > 0).length / n) * 100;
    const day = this.options.dayKey(now);
    if (winRate < this.options.minWinRatePct) {
      out.push(alert("performance", "warning", `Win rate ${winRate.toFixed(0)} % over the last ${n} trades (${mode})`, `Below the ${this.options.minWinRatePct} % alert level. Review the strategies or pause them.`, `performance:winrate:${mode}:${day}`, now, { winRatePct: winRate, trades: n, minWinRatePct: this.options.minWinRatePct }, mode));
    }
    if (list.length >= 2 * n) {
      const before = sharpe(list.slice(0, n));
      const after = sharpe(recent);
      if (before !== null && after !== null && after < 0 && after < before) {
        out.push(alert("performance", "warning", `Sharpe falling (${mode}): ${after.toFixed(2)} over the last ${n} trades, was ${before.toFixed(2)}`, "Per-trade returns got worse and are now negative on balance.", `performance:sharpe:${mode}:${day}`, now, { sharpe: after, previousSharpe: before, trades: n }, mode));
      }
    }
    return out;
  }

  private order(o: EngineEvents["order"], now: number): Alert[] {
    if (o.status !== "rejected") return [];
    const reason = o.error ?? "rejected by the venue";
    return [
      alert(
        "order_failed",
        o.reduceOnly || o.intent === "exit" ? "critical" : "warning",
        `Order failed: ${o.side} ${o.quantity} ${o.symbol} (${o.mode})`,
        `${reason}\nOrder ${o.clientOrderId} (${o.intent}${o.reduceOnly ? ", reduce-only" : ""}).`,
        `order_failed:${o.mode}:${o.symbol}:${reason.slice(0, 60)}`,
        now,
        { clientOrderId: o.clientOrderId, symbol: o.symbol, side: o.side, quantity: o.quantity, intent: o.intent, error: reason },
        o.mode,
      ),
    ];
  }

  private warning(w: EngineEvents["warning"], now: number): Alert[] {
    const kind = /RECONCIL/.test(w.code) ? "reconciliation" : /VENUE|NETWORK|EXCHANGE|TIMEOUT|FEED/.test(w.code) ? "venue_error" : "warning";
    return [alert(kind, "warning", `${w.code}${w.mode ? ` (${w.mode})` : ""}`, w.message, `${kind}:${w.mode ?? "-"}:${w.code}`, now, { ...w }, w.mode)];
  }

  private candle(c: Candle, now: number): Alert[] {
    if (!c.closed || c.timeframe !== "1m") return [];
    const history = this.volumes.get(c.symbol) ?? [];
    const enough = history.length >= VOLUME_WINDOW;
    const average = enough ? history.reduce((a, b) => a + b, 0) / history.length : 0;
    history.push(c.volume);
    if (history.length > VOLUME_WINDOW) history.shift();
    this.volumes.set(c.symbol, history);
    if (!enough || average <= 0 || c.volume < this.options.unusualVolumeFactor * average) return [];
    const factor = c.volume / average;
    return [alert("unusual_volume", "info", `Unusual volume on ${c.symbol}: ${factor.toFixed(1)}× the last hour's average`, `1m candle at ${new Date(c.openTime).toISOString()}: volume ${c.volume}, average ${average.toPrecision(6)}, close ${c.close}.`, `unusual_volume:${c.symbol}`, now, { symbol: c.symbol, volume: c.volume, average, factor })];
  }
}

function sharpe(returns: number[]): number | null {
  if (returns.length < 2) return null;
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const variance = returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1);
  const sd = Math.sqrt(variance);
  return sd > 0 ? mean / sd : null;
}

export function alert(kind: Alert["kind"], severity: AlertSeverity, title: string, text: string, key: string, at: number, data: Record<string, unknown>, mode?: KernelMode): Alert {
  return { kind, severity, title, text, key, at, data, ...(mode ? { mode } : {}) };
}
