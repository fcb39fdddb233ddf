import { z } from "zod";
import { TIMEFRAME_MS, type Timeframe } from "../../model/types";
import { StrategyInputError } from "../base-strategy";
import { formatFixed, formatPrice, formatUtc } from "../format";
import { numberParam, protectiveParams } from "../params";
import { SdkStrategy, defineStrategy, specOf, type DecisionContext } from "../sdk";
import type { StrategyInstanceConfig, StrategyPosition } from "../types";
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
 * The calendar an instance reads, by its params object (each instance has its own parsed params): read
 * from calendarPath once per instance, or handed over (tests, TokenUnlockStrategy).
 */
const calendars = new WeakMap<object, readonly UnlockEvent[]>();

function largeUnlocksOf(p: TokenUnlockParams): readonly UnlockEvent[] {
  let events = calendars.get(p);
  if (!events) {
    events = loadUnlockCalendar(p.calendarPath);
    calendars.set(p, events);
  }
  return events.filter((e) => e.sharePct >= p.minSharePct).sort((a, b) => a.time - b.time);
}

/** Entry signals are spaced by this (at least one candle), so an entry the engine refused is not re-sent on every candle. */
const retryMsOf = (p: TokenUnlockParams, timeframe: Timeframe) => Math.max(p.reenterHoursAfter * HOUR_MS, TIMEFRAME_MS[timeframe]);
const mayRetryEntry = (s: UnlockState, now: number, retryMs: number) => !(now - s.lastEntrySignalAt < retryMs);

function describeUnlock(e: UnlockEvent, now: number, p: TokenUnlockParams): string {
  return `${formatFixed(e.sharePct, 2)}% of ${e.symbol} supply unlocks at ${formatUtc(e.time)}, in ${formatFixed((e.time - now) / HOUR_MS)} h (threshold ${formatFixed(p.minSharePct, 2)}%${e.note ? `; ${e.note}` : ""})`;
}

function eventData(e: UnlockEvent, now: number, close: number, p: TokenUnlockParams) {
  return { close, unlockTime: e.time, unlockSharePct: e.sharePct, hoursToUnlock: (e.time - now) / HOUR_MS, threshold: p.minSharePct, token: e.symbol };
}

/**
 * The rule, on each closed candle of the entry timeframe. Around each unlock of at least minSharePct
 * of supply, at time T:
 * - from T - exitHoursBefore until T: exit a long (repeated on each candle while the long remains);
 *   with allowShort, go short (in the same step as the exit).
 * - from T until T + reenterHoursAfter: no new position; a short is kept.
 * - outside those windows: cover a short and go long (in one step); when flat, go long, but not sooner
 *   than reenterHoursAfter after the position was last seen going flat (a stop-out).
 */
function decide(ctx: DecisionContext<TokenUnlockParams, UnlockState>): void {
  const { state: s, candle, now, params: p } = ctx;
  const afterMs = p.reenterHoursAfter * HOUR_MS;
  const retryMs = retryMsOf(p, ctx.timeframe);
  const protective = { stopLossPct: p.stopLossPct, takeProfitPct: p.takeProfitPct };
  if (s.lastPosition !== "none" && ctx.position === "none") s.lastExitAt = now;
  s.lastPosition = ctx.position;
  while (s.cursor < s.events.length && s.events[s.cursor].time + afterMs <= now) s.cursor++;
  const next = s.events[s.cursor];

  if (next !== undefined && now >= next.time - p.exitHoursBefore * HOUR_MS) {
    if (now >= next.time) return ctx.hold("after the unlock: wait, keep a short");
    const exit = ctx.position === "long";
    const short = ctx.position !== "short" && p.allowShort && mayRetryEntry(s, now, retryMs);
    if (!exit && !short) return ctx.hold();
    const about = describeUnlock(next, now, p);
    const data = eventData(next, now, candle.close, p);
    if (exit) ctx.exit({ reason: `${candle.symbol}: ${about}; exiting the long ahead of it at ${formatPrice(candle.close)}`, data });
    if (short) {
      s.lastEntrySignalAt = now;
      ctx.enter("short", { reason: `${candle.symbol}: ${about}; shorting ahead of it at ${formatPrice(candle.close)}`, data, ...protective });
    }
    return;
  }

  if (ctx.position === "long") return ctx.hold();
  // After a stop-out (seen as the position going flat) wait before buying back; after our own cover, do not.
  const waitedAfterExit = ctx.position === "short" || !(now - s.lastExitAt < afterMs);
  const enter = waitedAfterExit && mayRetryEntry(s, now, retryMs);
  if (ctx.position === "none" && !enter) return ctx.hold();
  const previous = s.cursor > 0 ? s.events[s.cursor - 1] : undefined;
  if (ctx.position === "short") {
    const why = previous
      ? `the ${formatFixed(previous.sharePct, 2)}% ${previous.symbol} unlock at ${formatUtc(previous.time)} was ${formatFixed((now - previous.time) / HOUR_MS)} h ago`
      : "no large unlock is within the exit window";
    ctx.exit({ reason: `${candle.symbol}: ${why}; covering the short at ${formatPrice(candle.close)}`, data: { close: candle.close, threshold: p.minSharePct } });
  }
  if (enter) {
    s.lastEntrySignalAt = now;
    const upcoming = next ? `next large unlock: ${formatFixed(next.sharePct, 2)}% of ${next.symbol} supply at ${formatUtc(next.time)}` : "no further large unlock scheduled";
    const since = previous && now - previous.time < afterMs + retryMs ? `the ${formatFixed(previous.sharePct, 2)}% unlock at ${formatUtc(previous.time)} has passed; ` : "";
    ctx.enter("long", {
      reason: `${candle.symbol}: ${since}no unlock of ${formatFixed(p.minSharePct, 2)}% of supply or more within the next ${formatFixed(p.exitHoursBefore, 0)} h (${upcoming}); entering long at ${formatPrice(candle.close)}`,
      data: { close: candle.close, threshold: p.minSharePct, nextUnlockTime: next?.time ?? 0, nextUnlockSharePct: next?.sharePct ?? 0 },
      ...protective,
    });
  }
}

/**
 * Token-unlock front-running, written with the strategy SDK: hold a long position in each symbol, and
 * step aside around large scheduled token unlocks (supply hitting the market tends to weigh on the
 * price before and after); see decide() for the windows. Unlocks below the threshold are ignored; the
 * position is always exited in full. State kept across restarts (snapshot): when each symbol last went
 * flat and last got an entry signal; the rest is the calendar and the clock.
 */
const sdkDefinition = defineStrategy({
  kind: "token_unlock",
  title: "Token unlock front-running",
  description:
    "Holds a long position and steps aside around large scheduled token unlocks read from a calendar file: exits a set number of hours before an unlock " +
    "of at least the threshold share of supply and re-enters a set number of hours after it. With shorting allowed it shorts into the unlock instead of waiting flat. Smaller unlocks are ignored.",
  params: tokenUnlockParams,
  timeframe: DEFAULT_TIMEFRAME,
  // No indicators: the decision depends only on the calendar, the time and the position.
  warmup: 0,
  presets: [
    { id: "unlock-1pct-48h-24h", label: "Unlocks ≥ 1% of supply: out 48 h before, back 24 h after (1h)", timeframe: "1h", params: { minSharePct: 1, exitHoursBefore: 48, reenterHoursAfter: 24 } },
    { id: "unlock-2pct-7d-3d", label: "Unlocks ≥ 2% of supply: out 7 days before, back 3 days after (1h)", timeframe: "1h", params: { minSharePct: 2, exitHoursBefore: 168, reenterHoursAfter: 72 } },
  ],
  setup: (p, symbol): UnlockState => ({
    events: largeUnlocksOf(p).filter((e) => unlockAppliesTo(e, symbol)),
    cursor: 0,
    lastPosition: "none",
    lastExitAt: Number.NaN,
    lastEntrySignalAt: Number.NaN,
  }),
  update: () => {},
  onCandle: decide,
  snapshot: (states) => {
    const out: z.input<typeof persistedState> = {};
    for (const [symbol, s] of states) {
      out[symbol] = {
        lastPosition: s.lastPosition,
        lastExitAt: Number.isNaN(s.lastExitAt) ? null : s.lastExitAt,
        lastEntrySignalAt: Number.isNaN(s.lastEntrySignalAt) ? null : s.lastEntrySignalAt,
      };
    }
    return out;
  },
  restore: (stateOf, saved) => {
    const parsed = persistedState.safeParse(saved ?? {});
    if (!parsed.success) throw new StrategyInputError("token_unlock", `token_unlock snapshot is malformed: ${z.prettifyError(parsed.error)}`);
    for (const [symbol, value] of Object.entries(parsed.data)) {
      const s = stateOf(symbol);
      if (!s) continue; // a symbol this instance no longer trades
      s.lastPosition = value.lastPosition;
      s.lastExitAt = value.lastExitAt ?? Number.NaN;
      s.lastEntrySignalAt = value.lastEntrySignalAt ?? Number.NaN;
    }
  },
});

/** The SDK strategy with its calendar handed over (read once per instance from calendarPath by the registry; tests pass events). */
export class TokenUnlockStrategy extends SdkStrategy<TokenUnlockParams, UnlockState> {
  constructor(config: StrategyInstanceConfig, params: TokenUnlockParams, calendar: readonly UnlockEvent[]) {
    calendars.set(params, calendar);
    super(specOf(sdkDefinition) as never, config, params);
  }
}

/**
 * Registered like the other built-ins; creating an instance reads its calendar at once, so a missing or
 * malformed file is refused when the instance is created, not on its first candle.
 */
export const tokenUnlockDefinition: typeof sdkDefinition = {
  ...sdkDefinition,
  create: (config, params) => new TokenUnlockStrategy(config, params, loadUnlockCalendar(params.calendarPath)),
};
