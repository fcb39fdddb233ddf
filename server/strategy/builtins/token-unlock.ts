import { z } from "zod";
import { TIMEFRAME_MS, type Candle, type Signal } from "../../model/types";
import { BaseStrategy, NO_SIGNALS, StrategyInputError } from "../base-strategy";
import { formatFixed, formatPrice, formatUtc } from "../format";
import { numberParam, protectiveParams } from "../params";
import type { StrategyDefinition } from "../registry-types";
import type { StrategyContext, StrategyInstanceConfig, StrategyPosition } from "../types";
import { loadUnlockCalendar, unlockAppliesTo, type UnlockEvent } from "../unlock-calendar";

const DEFAULT_TIMEFRAME = "1h";
const HOUR_MS = 3_600_000;

export const tokenUnlockParams = z.strictObject({
  calendarPath: z
    .string()
    .trim()
    .min(1, "must name the unlock calendar file")
    .meta({ title: "Unlock calendar file", description: "Path of a CSV (symbol,date,share_pct[,note]) or JSON unlock calendar; relative paths start at the server's working directory." }),
  minSharePct: numberParam({
    title: "Large unlock threshold, % of supply",
    description: "Unlocks of at least this share of supply are acted on; smaller ones are ignored.",
    default: 1,
    min: 0.01,
    max: 100,
    step: 0.01,
  }),
  exitHoursBefore: numberParam({ title: "Exit hours before", description: "Leave the long this many hours before a large unlock.", default: 48, min: 1, max: 720, step: 1 }),
  reenterHoursAfter: numberParam({
    title: "Re-enter hours after",
    description: "Stay out (and keep any short) this many hours after the unlock; also the wait before re-entering after any exit.",
    default: 24,
    min: 0,
    max: 720,
    step: 1,
  }),
  ...protectiveParams,
  stopLossPct: numberParam({
    title: "Stop loss %",
    description: "Stop distance attached to entries. A holding strategy needs room: the risk limits' default stop is usually too tight for it.",
    default: 10,
    min: 0,
    max: 50,
    step: 0.5,
  }),
});

export type TokenUnlockParams = z.output<typeof tokenUnlockParams>;

interface UnlockState {
  /** Large unlocks that apply to this symbol, oldest first. */
  events: UnlockEvent[];
  /** Index of the first event whose post-unlock wait has not ended yet. */
  cursor: number;
  lastPosition: StrategyPosition;
  /** When the position was last seen going flat (NaN: never). */
  lastExitAt: number;
  /** When the last entry signal was emitted (NaN: never); entries are retried at most this often. */
  lastEntrySignalAt: number;
}

const persistedSymbolState = z.object({
  lastPosition: z.enum(["long", "short", "none"]),
  lastExitAt: z.number().nullable(),
  lastEntrySignalAt: z.number().nullable(),
});
const persistedState = z.record(z.string(), persistedSymbolState);

/**
 * Token-unlock front-running: hold a long position in each symbol, and step aside around large
 * scheduled token unlocks (supply hitting the market tends to weigh on the price before and after).
 * Around each unlock of at least minSharePct of supply, at time T:
 * - from T - exitHoursBefore until T: exit a long (repeated on each candle while the long remains);
 *   with allowShort, go short (in the same step as the exit).
 * - from T until T + reenterHoursAfter: no new position; a short is kept.
 * - outside those windows: cover a short and go long (in one step); when flat, go long, but not sooner
 *   than reenterHoursAfter after the position was last seen going flat (a stop-out).
 * Entry signals are sent at most once per reenterHoursAfter (at least one candle), so an entry the
 * engine refused is not repeated on every candle.
 * Unlocks below the threshold are ignored. The position is always exited in full.
 * State kept across restarts (snapshot): when each symbol last went flat and last got an entry signal.
 */
export class TokenUnlockStrategy extends BaseStrategy<TokenUnlockParams, UnlockState> {
  private readonly largeUnlocks: UnlockEvent[];
  private readonly beforeMs: number;
  private readonly afterMs: number;
  private readonly retryMs: number;

  constructor(config: StrategyInstanceConfig, params: TokenUnlockParams, calendar: readonly UnlockEvent[]) {
    const timeframe = config.timeframe ?? DEFAULT_TIMEFRAME;
    super("token_unlock", config, params, [{ timeframe, warmupCandles: 0 }]);
    this.largeUnlocks = calendar.filter((e) => e.sharePct >= params.minSharePct).sort((a, b) => a.time - b.time);
    this.beforeMs = params.exitHoursBefore * HOUR_MS;
    this.afterMs = params.reenterHoursAfter * HOUR_MS;
    this.retryMs = Math.max(this.afterMs, TIMEFRAME_MS[timeframe]);
  }

  protected createState(symbol: string): UnlockState {
    return {
      events: this.largeUnlocks.filter((e) => unlockAppliesTo(e, symbol)),
      cursor: 0,
      lastPosition: "none",
      lastExitAt: Number.NaN,
      lastEntrySignalAt: Number.NaN,
    };
  }

  protected ingest(): void {
    // No indicators: the decision depends only on the calendar, the time and the position.
  }

  protected isReady(): boolean {
    return true;
  }

  protected decide(s: UnlockState, candle: Candle, ctx: StrategyContext<TokenUnlockParams>): readonly Signal[] {
    const now = ctx.now;
    const p = ctx.params;
    if (s.lastPosition !== "none" && ctx.position === "none") s.lastExitAt = now;
    s.lastPosition = ctx.position;
    while (s.cursor < s.events.length && s.events[s.cursor].time + this.afterMs <= now) s.cursor++;
    const next = s.events[s.cursor];

    if (next !== undefined && now >= next.time - this.beforeMs) {
      if (now >= next.time) return NO_SIGNALS; // after the unlock: wait, keep a short
      const exit = ctx.position === "long";
      const short = ctx.position !== "short" && p.allowShort && this.mayRetryEntry(s, now);
      if (!exit && !short) return NO_SIGNALS;
      const about = this.describeUnlock(next, now, p);
      const data = this.eventData(next, now, candle.close, p);
      const out: Signal[] = [];
      if (exit) out.push(this.signal(candle, "exit_long", `${candle.symbol}: ${about}; exiting the long ahead of it at ${formatPrice(candle.close)}`, data));
      if (short) {
        s.lastEntrySignalAt = now;
        const levels = this.protectiveLevels("short", candle.close, p.stopLossPct, p.takeProfitPct);
        out.push(this.signal(candle, "enter_short", `${candle.symbol}: ${about}; shorting ahead of it at ${formatPrice(candle.close)}`, data, levels));
      }
      return out;
    }

    if (ctx.position === "long") return NO_SIGNALS;
    // After a stop-out (seen as the position going flat) wait before buying back; after our own cover, do not.
    const waitedAfterExit = ctx.position === "short" || !(now - s.lastExitAt < this.afterMs);
    const enter = waitedAfterExit && this.mayRetryEntry(s, now);
    if (ctx.position === "none" && !enter) return NO_SIGNALS;
    const previous = s.cursor > 0 ? s.events[s.cursor - 1] : undefined;
    const out: Signal[] = [];
    if (ctx.position === "short") {
      const why = previous
        ? `the ${formatFixed(previous.sharePct, 2)}% ${previous.symbol} unlock at ${formatUtc(previous.time)} was ${formatFixed((now - previous.time) / HOUR_MS)} h ago`
        : "no large unlock is within the exit window";
      out.push(this.signal(candle, "exit_short", `${candle.symbol}: ${why}; covering the short at ${formatPrice(candle.close)}`, { close: candle.close, threshold: p.minSharePct }));
    }
    if (enter) {
      s.lastEntrySignalAt = now;
      const upcoming = next
        ? `next large unlock: ${formatFixed(next.sharePct, 2)}% of ${next.symbol} supply at ${formatUtc(next.time)}`
        : "no further large unlock scheduled";
      const since = previous && now - previous.time < this.afterMs + this.retryMs ? `the ${formatFixed(previous.sharePct, 2)}% unlock at ${formatUtc(previous.time)} has passed; ` : "";
      const levels = this.protectiveLevels("long", candle.close, p.stopLossPct, p.takeProfitPct);
      out.push(
        this.signal(
          candle,
          "enter_long",
          `${candle.symbol}: ${since}no unlock of ${formatFixed(p.minSharePct, 2)}% of supply or more within the next ${formatFixed(p.exitHoursBefore, 0)} h (${upcoming}); entering long at ${formatPrice(candle.close)}`,
          { close: candle.close, threshold: p.minSharePct, nextUnlockTime: next?.time ?? 0, nextUnlockSharePct: next?.sharePct ?? 0 },
          levels,
        ),
      );
    }
    return out;
  }

  protected snapshotState(): unknown {
    const out: z.input<typeof persistedState> = {};
    for (const symbol of new Set(this.subscriptions.map((s) => s.symbol))) {
      const s = this.stateOf(symbol);
      if (!s) continue;
      out[symbol] = {
        lastPosition: s.lastPosition,
        lastExitAt: Number.isNaN(s.lastExitAt) ? null : s.lastExitAt,
        lastEntrySignalAt: Number.isNaN(s.lastEntrySignalAt) ? null : s.lastEntrySignalAt,
      };
    }
    return out;
  }

  protected restoreState(state: unknown): void {
    const parsed = persistedState.safeParse(state ?? {});
    if (!parsed.success) throw new StrategyInputError(this.instanceId, `token_unlock snapshot is malformed: ${z.prettifyError(parsed.error)}`);
    for (const [symbol, saved] of Object.entries(parsed.data)) {
      const s = this.ensureState(symbol);
      if (!s) continue; // a symbol this instance no longer trades
      s.lastPosition = saved.lastPosition;
      s.lastExitAt = saved.lastExitAt ?? Number.NaN;
      s.lastEntrySignalAt = saved.lastEntrySignalAt ?? Number.NaN;
    }
  }

  /** Entry signals are spaced by retryMs, so an entry the engine refused is not re-sent on every candle. */
  private mayRetryEntry(s: UnlockState, now: number): boolean {
    return !(now - s.lastEntrySignalAt < this.retryMs);
  }

  private describeUnlock(e: UnlockEvent, now: number, p: TokenUnlockParams): string {
    return `${formatFixed(e.sharePct, 2)}% of ${e.symbol} supply unlocks at ${formatUtc(e.time)}, in ${formatFixed((e.time - now) / HOUR_MS)} h (threshold ${formatFixed(p.minSharePct, 2)}%${e.note ? `; ${e.note}` : ""})`;
  }

  private eventData(e: UnlockEvent, now: number, close: number, p: TokenUnlockParams) {
    return { close, unlockTime: e.time, unlockSharePct: e.sharePct, hoursToUnlock: (e.time - now) / HOUR_MS, threshold: p.minSharePct, token: e.symbol };
  }
}

export const tokenUnlockDefinition: StrategyDefinition<typeof tokenUnlockParams> = {
  kind: "token_unlock",
  title: "Token unlock front-running",
  description:
    "Holds a long position and steps aside around large scheduled token unlocks read from a calendar file: exits a set number of hours before an unlock " +
    "of at least the threshold share of supply and re-enters a set number of hours after it. With shorting allowed it shorts into the unlock instead of waiting flat. Smaller unlocks are ignored.",
  paramsSchema: tokenUnlockParams,
  defaultTimeframe: DEFAULT_TIMEFRAME,
  presets: [
    { id: "unlock-1pct-48h-24h", label: "Unlocks ≥ 1% of supply: out 48 h before, back 24 h after (1h)", timeframe: "1h", params: { minSharePct: 1, exitHoursBefore: 48, reenterHoursAfter: 24 } },
    { id: "unlock-2pct-7d-3d", label: "Unlocks ≥ 2% of supply: out 7 days before, back 3 days after (1h)", timeframe: "1h", params: { minSharePct: 2, exitHoursBefore: 168, reenterHoursAfter: 72 } },
  ],
  create: (config, params) => new TokenUnlockStrategy(config, params, loadUnlockCalendar(params.calendarPath)),
};
