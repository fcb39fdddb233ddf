import type { Logger } from "pino";
import type { z } from "zod";
import { alertLogQuerySchema, channelInputSchema } from "./schemas";
import type { AlertsConfig } from "../config/alerts";
import type { Clock } from "../core/clock";
import { repeatEvery, schedulerOf, type ScheduledTask, type TaskScheduler } from "../core/scheduler";
import { AppError, errorMessage } from "../core/errors";
import { newId } from "../core/ids";
import type { EngineEvents } from "../engine";
import type { KernelMode } from "../model/types";
import { createEmailSender } from "./channels/email";
import type { DeliveryRetry } from "./channels/retry";
import { createTelegramSender } from "./channels/telegram";
import { createWebhookSender } from "./channels/webhook";
import { AlertPolicy, localClock, parseQuietHours } from "./policy";
import { ALERT_EVENT_NAMES, AlertRules, alert as makeAlert, type AlertEventName } from "./rules";
import { createTelegramBot, type TelegramBot } from "./telegram-bot";
import { signedMoney } from "./format";
import {
  SEVERITY_RANK,
  type Alert,
  type AlertChannel,
  type AlertKind,
  type AlertLogEntry,
  type AlertSeverity,
  type AlertStore,
  type ChannelRouting,
  type ChannelSender,
  type Delivery,
  type TradingCommands,
} from "./types";

/**
 * The alert service: subscribes to the engine's event bus, turns events into alerts (rules.ts),
 * decides per channel (policy.ts: dedupe, hourly budget, quiet hours; critical alerts always go),
 * delivers them (channels/), keeps the alert log (store.ts), sends the daily and weekly summaries at
 * their local time, and answers Telegram commands through one TradingCommands object.
 */
export interface AlertBus {
  on<K extends keyof EngineEvents>(event: K, listener: (payload: EngineEvents[K]) => void): () => void;
}

export interface AlertServiceOptions {
  bus: AlertBus;
  config: AlertsConfig;
  /** Fallback time zone of quiet hours and summaries (the risk calendar's). */
  timeZone: string;
  quoteCurrency: string;
  store: AlertStore;
  clock: Clock;
  logger: Logger;
  /** What Telegram commands and the summaries need from the engine; without it they are off. */
  commands?: TradingCommands;
  /** Current equity of a mode (large-P&L threshold). */
  equity?: (mode: KernelMode) => number | undefined;
  /** Tests: faster retries, shorter polls and summary checks. */
  retry?: DeliveryRetry;
  telegramPollTimeoutS?: number;
  summaryCheckMs?: number;
  /**
   * Timers of the summary check (every summaryCheckMs of `clock` time, the clock the summaries' local
   * time is read from); default: the clock's own (a ManualClock runs the check as it advances).
   */
  scheduler?: TaskScheduler;
  /**
   * Wall-clock epoch ms for the webhook's X-Tradekeel-Timestamp (default Date.now). Not `clock`: that is
   * the market's clock (the simulator's runs SIM_SPEED times faster), and a receiver compares the
   * timestamp with its own wall clock to refuse replays.
   */
  wallNow?: () => number;
  /** Every delivery's outcome (the metrics count them: tradekeel_alerts_total). */
  onDelivery?: (channelKind: string, status: string) => void;
}

export interface ChannelView {
  id: string;
  kind: AlertChannel["kind"];
  name: string;
  enabled: boolean;
  source: AlertChannel["source"];
  routing: ChannelRouting;
  settings: Record<string, unknown>;
  /** Which secrets are set (never their values). */
  secrets: Record<string, boolean>;
}

export { channelInputSchema, alertLogQuerySchema, type ChannelInput } from "./schemas";

export interface AlertService {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Raise an alert by hand (also what every engine event goes through). */
  raise(alert: Alert): Promise<AlertLogEntry | null>;
  log(q: z.infer<typeof alertLogQuerySchema>): Promise<AlertLogEntry[]>;
  channels(): Promise<ChannelView[]>;
  /** Create (no id) or replace a Settings channel; a secret left out keeps the stored one. */
  saveChannel(input: unknown, id?: string): Promise<ChannelView>;
  deleteChannel(id: string): Promise<void>;
  /** Sends a test message on one channel, bypassing routing and limits; the delivery as it went. */
  testChannel(id: string): Promise<Delivery>;
  /**
   * Checks whether a summary is due; the scheduled check (every summaryCheckMs) calls the same. Checks
   * run one after the other and a period's summary is claimed before it is built, so a check by hand and
   * a scheduled one never send the same summary twice.
   */
  tick(): Promise<void>;
  /** Resolves when every delivery and log write started so far has finished. */
  idle(): Promise<void>;
}

export function createAlertService(opts: AlertServiceOptions): AlertService {
  const { config, store, clock, logger } = opts;
  const zone = localClock(config.timeZone ?? opts.timeZone);
  const policy = new AlertPolicy({
    dedupeWindowMs: config.dedupeWindowMin * 60_000,
    maxPerHour: config.maxPerHour,
    quietHours: parseQuietHours(config.quietHours),
    minuteOfDay: zone.minuteOfDay,
  });
  const rules = new AlertRules({
    quoteCurrency: opts.quoteCurrency,
    largeTradePnlPct: config.largeTradePnlPct,
    minWinRatePct: config.minWinRatePct,
    winRateTrades: config.winRateTrades,
    unusualVolumeFactor: config.unusualVolumeFactor,
    equity: opts.equity,
    dayKey: zone.dateKey,
  });

  const configChannels = channelsFromConfig(config);
  let channels: AlertChannel[] = configChannels;
  const senders = new Map<string, { signature: string; sender: ChannelSender }>();
  const bots = new Map<string, TelegramBot>();
  let botSignature = "";
  const inFlight = new Set<Promise<unknown>>();
  let writes: Promise<unknown> = Promise.resolve();
  const unsubscribe: Array<() => void> = [];
  let summaryTask: ScheduledTask | undefined;
  let ticks: Promise<void> = Promise.resolve();
  let started = false;
  let lastDaily: string | null = null;
  let lastWeekly: string | null = null;

  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => {});
    return p;
  };
  /** Log writes in order (an update never overtakes its insert). */
  const write = (fn: () => Promise<void>): Promise<void> => {
    const next = writes.then(fn).catch((err) => logger.error({ err }, "alerts: writing the alert log failed"));
    writes = next;
    return track(next);
  };

  function senderFor(channel: AlertChannel): ChannelSender {
    const signature = JSON.stringify([channel.kind, channel.settings, channel.secrets]);
    const cached = senders.get(channel.id);
    if (cached?.signature === signature) return cached.sender;
    void cached?.sender.close();
    const retry = opts.retry ? { retry: opts.retry } : {};
    const sender =
      channel.kind === "telegram"
        ? createTelegramSender(channel.settings, channel.secrets, retry)
        : channel.kind === "email"
          ? createEmailSender(channel.settings, channel.secrets, retry)
          : createWebhookSender(channel.settings, channel.secrets, { ...retry, now: opts.wallNow ?? Date.now });
    senders.set(channel.id, { signature, sender });
    return sender;
  }

  function routed(alert: Alert, channel: AlertChannel): boolean {
    if (!channel.enabled) return false;
    if (alert.severity === "critical") return true;
    if (SEVERITY_RANK[alert.severity] < SEVERITY_RANK[channel.routing.minSeverity]) return false;
    return !channel.routing.kinds || channel.routing.kinds.includes(alert.kind);
  }

  async function deliverTo(entry: AlertLogEntry, channel: AlertChannel, delivery: Delivery): Promise<void> {
    try {
      const { attempts } = await senderFor(channel).send(entry);
      delivery.status = "sent";
      delivery.attempts = attempts;
      opts.onDelivery?.(channel.kind, "sent");
    } catch (err) {
      delivery.status = "failed";
      delivery.attempts = (err as { attempts?: number }).attempts ?? 1;
      delivery.error = errorMessage(err);
      opts.onDelivery?.(channel.kind, "failed");
      logger.warn({ channel: channel.name, kind: entry.kind, error: delivery.error }, "alerts: delivery failed");
    }
  }

  async function raise(alert: Alert): Promise<AlertLogEntry | null> {
    const now = clock.now();
    const admission = policy.admit(alert, now);
    if (admission.kind === "repeat") {
      repeatsOf.set(admission.logId, admission.repeats);
      scheduleRepeatWrite(admission.logId);
      return null;
    }
    const entry: AlertLogEntry = { ...alert, id: newId("alr_"), deliveries: [], repeats: 0 };
    policy.remember(alert, entry.id, now);
    const sends: Promise<void>[] = [];
    for (const channel of channels) {
      if (!routed(alert, channel)) continue;
      const verdict = policy.channel(alert, channel.id, now);
      const delivery: Delivery = { channelId: channel.id, channelName: channel.name, kind: channel.kind, status: verdict === "send" ? "pending" : verdict, attempts: 0 };
      entry.deliveries.push(delivery);
      if (verdict === "send") sends.push(deliverTo(entry, channel, delivery));
      else opts.onDelivery?.(channel.kind, verdict);
    }
    entries.set(entry.id, entry);
    if (entries.size > 2_000) entries.delete(entries.keys().next().value!);
    void write(() => store.appendLog(structuredClone(entry)));
    if (sends.length) {
      void track(
        Promise.all(sends).then(() => write(() => store.updateLog(entry.id, { deliveries: structuredClone(entry.deliveries), repeats: repeatsOf.get(entry.id) ?? entry.repeats }))),
      );
    }
    return entry;
  }

  // Repeats of a deduplicated alert are written at most once per second per entry.
  const entries = new Map<string, AlertLogEntry>();
  const repeatsOf = new Map<string, number>();
  const repeatTimers = new Map<string, { timer: ReturnType<typeof setTimeout>; flush: () => void }>();
  function scheduleRepeatWrite(logId: string): void {
    if (repeatTimers.has(logId)) return;
    let release!: () => void;
    track(new Promise<void>((resolve) => (release = resolve)));
    const flush = () => {
      const pending = repeatTimers.get(logId);
      if (!pending) return;
      clearTimeout(pending.timer);
      repeatTimers.delete(logId);
      const entry = entries.get(logId);
      const repeats = repeatsOf.get(logId) ?? 0;
      if (entry) entry.repeats = repeats;
      void write(async () => {
        if (entry) await store.updateLog(logId, { deliveries: structuredClone(entry.deliveries), repeats });
      }).finally(release);
    };
    repeatTimers.set(logId, { timer: setTimeout(flush, 1_000), flush });
  }

  function onEvent<K extends AlertEventName>(name: K) {
    return (payload: EngineEvents[K]) => {
      let alerts: Alert[];
      try {
        alerts = rules.evaluate(name, payload as never, clock.now());
      } catch (err) {
        logger.error({ err, event: name }, "alerts: a rule failed");
        return;
      }
      for (const a of alerts) void track(raise(a)).catch((err) => logger.error({ err }, "alerts: raising failed"));
    };
  }

  async function refreshChannels(): Promise<void> {
    const stored = await store.listChannels().catch((err) => {
      logger.error({ err }, "alerts: the stored channels could not be read; only configured channels are used");
      return [] as AlertChannel[];
    });
    channels = [...configChannels, ...stored];
    for (const id of [...senders.keys()]) {
      if (!channels.some((c) => c.id === id)) {
        void senders.get(id)?.sender.close();
        senders.delete(id);
      }
    }
    if (started) await refreshBots();
  }

  async function refreshBots(): Promise<void> {
    const wanted = new Map<string, { token: string; apiRoot: string; chatIds: Set<string> }>();
    if (opts.commands) {
      for (const c of channels) {
        if (c.kind !== "telegram" || !c.enabled || !c.secrets.botToken) continue;
        const key = `${c.settings.apiRoot}|${c.secrets.botToken}`;
        const w = wanted.get(key) ?? { token: c.secrets.botToken, apiRoot: c.settings.apiRoot, chatIds: new Set<string>() };
        c.settings.chatIds.forEach((id) => w.chatIds.add(id));
        wanted.set(key, w);
      }
    }
    // Restart polling only when the bots' tokens or chats changed (each restart drops queued updates).
    const signature = JSON.stringify([...wanted.entries()].map(([k, w]) => [k, [...w.chatIds].sort()]));
    if (signature === botSignature && bots.size === wanted.size) return;
    botSignature = signature;
    for (const [key, bot] of bots) {
      bots.delete(key);
      await bot.stop();
    }
    for (const [key, w] of wanted) {
      const bot = createTelegramBot({
        token: w.token,
        apiRoot: w.apiRoot,
        chatIds: [...w.chatIds],
        commands: opts.commands!,
        clock,
        logger: logger.child({ module: "telegram" }),
        pollTimeoutS: opts.telegramPollTimeoutS,
        onCommand: ({ chatId, command, outcome }) => {
          const at = clock.now();
          const entry: AlertLogEntry = { ...makeAlert("command", "info", `Telegram /${command} from chat ${chatId}`, outcome, `command:${chatId}:${at}`, at, { chatId, command }), id: newId("alr_"), deliveries: [], repeats: 0 };
          void write(() => store.appendLog(entry));
        },
      });
      try {
        await bot.start();
        bots.set(key, bot);
      } catch (err) {
        logger.error({ err: errorMessage(err) }, "alerts: the Telegram bot could not start (commands are off; alerts are still sent)");
      }
    }
  }

  /** Sends the summaries due at `now` (the clock's time when the check was asked for). */
  async function summaries(now: number): Promise<void> {
    const commands = opts.commands;
    if (!commands) return;
    const [hh, mm] = config.dailySummaryAt.split(":").map(Number);
    if (zone.minuteOfDay(now) < hh * 60 + mm) return;
    const today = zone.dateKey(now);
    // Each period key is claimed before the first await: a second check finds it taken.
    if (lastDaily !== today) {
      lastDaily = today;
      const r = await commands.report(now - 86_400_000, now);
      await raise(summaryAlert("daily_summary", "Daily summary", r, today, now));
    }
    const weekday = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][zone.weekday(now) - 1];
    if (weekday === config.weeklySummaryDay && lastWeekly !== today) {
      lastWeekly = today;
      const r = await commands.report(now - 7 * 86_400_000, now);
      await raise(summaryAlert("weekly_summary", "Weekly summary", r, today, now));
    }
  }

  function summaryAlert(kind: AlertKind, label: string, r: Awaited<ReturnType<TradingCommands["report"]>>, day: string, now: number): Alert {
    const q = r.quoteCurrency;
    const text = [
      `P&L ${signedMoney(r.pnl, q)} over ${r.trades} trade(s)${r.winRatePct !== null ? `, win rate ${r.winRatePct.toFixed(0)} %` : ""}`,
      `Max drawdown ${r.maxDrawdownPct.toFixed(2)} % · equity ${signedMoney(r.equity, q).replace(/^\+/, "")}${r.sharpe !== null ? ` · Sharpe (per trade) ${r.sharpe.toFixed(2)}` : ""}`,
    ].join("\n");
    return makeAlert(kind, "info", `${label} ${day}: ${signedMoney(r.pnl, q)}`, text, `${kind}:${day}`, now, { day, ...r });
  }

  /**
   * One summary check at a time, in call order (scheduled or by hand), each at the clock's time when it
   * was asked for (a ManualClock advanced over a day runs the 20:00 beat at 20:00).
   */
  function tick(): Promise<void> {
    const at = clock.now();
    const run = ticks.then(() => summaries(at)).catch((err) => logger.error({ err }, "alerts: the summary failed"));
    ticks = run;
    return track(run);
  }

  function view(c: AlertChannel): ChannelView {
    return {
      id: c.id,
      kind: c.kind,
      name: c.name,
      enabled: c.enabled,
      source: c.source,
      routing: c.routing,
      settings: { ...c.settings },
      secrets: Object.fromEntries(Object.entries(c.secrets).map(([k, v]) => [k, Boolean(v)])),
    };
  }

  return {
    async start() {
      if (started) return;
      await refreshChannels();
      started = true;
      for (const name of ALERT_EVENT_NAMES) unsubscribe.push(opts.bus.on(name, onEvent(name)));
      const [daily, weekly] = await Promise.all([store.lastOfKind("daily_summary"), store.lastOfKind("weekly_summary")]).catch(() => [null, null]);
      lastDaily = (daily?.data.day as string | undefined) ?? null;
      lastWeekly = (weekly?.data.day as string | undefined) ?? null;
      await refreshBots();
      summaryTask = repeatEvery(opts.scheduler ?? schedulerOf(clock, { unref: true }), clock, opts.summaryCheckMs ?? 30_000, () => void tick());
      const names = channels.filter((c) => c.enabled).map((c) => `${c.name} (${c.kind})`);
      logger.info({ channels: names }, names.length ? "alerts: channels ready" : "alerts: no channel configured (Settings → Alerts)");
    },
    async stop() {
      started = false;
      summaryTask?.cancel();
      summaryTask = undefined;
      unsubscribe.splice(0).forEach((off) => off());
      for (const [key, bot] of bots) {
        bots.delete(key);
        await bot.stop();
      }
      botSignature = "";
      for (const pending of [...repeatTimers.values()]) pending.flush();
      await this.idle();
      for (const { sender } of senders.values()) await sender.close();
      senders.clear();
    },
    raise: (alert) => track(raise(alert)),
    log: (q) => store.listLog(q),
    async channels() {
      await refreshChannels();
      return channels.map(view);
    },
    async saveChannel(input, id) {
      const parsed = channelInputSchema.parse(input);
      if (id?.startsWith("config:")) throw new AppError("CHANNEL_READ_ONLY", "this channel comes from the config file or the environment; change it there", 409);
      const existing = id ? (await store.listChannels()).find((c) => c.id === id) : undefined;
      if (id && !existing) throw new AppError("NOT_FOUND", `no alert channel ${id}`, 404);
      if (existing && existing.kind !== parsed.kind) throw new AppError("VALIDATION", "kind: a channel's kind cannot change; add a new channel", 400);
      const secrets = { ...(existing?.secrets ?? {}), ...Object.fromEntries(Object.entries(parsed.secrets).filter(([, v]) => v !== undefined)) };
      if (parsed.kind === "telegram" && !(secrets as { botToken?: string }).botToken) throw new AppError("VALIDATION", "secrets.botToken: the bot token is required", 400, [{ path: "secrets.botToken", message: "required" }]);
      const channel = { ...parsed, secrets, id: id ?? newId("ach_"), source: "settings" } as AlertChannel;
      await store.saveChannel(channel);
      await refreshChannels();
      return view(channel);
    },
    async deleteChannel(id) {
      if (id.startsWith("config:")) throw new AppError("CHANNEL_READ_ONLY", "this channel comes from the config file or the environment; remove it there", 409);
      if (!(await store.deleteChannel(id))) throw new AppError("NOT_FOUND", `no alert channel ${id}`, 404);
      await refreshChannels();
    },
    async testChannel(id) {
      await refreshChannels();
      const channel = channels.find((c) => c.id === id);
      if (!channel) throw new AppError("NOT_FOUND", `no alert channel ${id}`, 404);
      const now = clock.now();
      const entry: AlertLogEntry = {
        ...makeAlert("test", "info", `Test message for ${channel.name}`, `If you can read this, Tradekeel can reach you on this ${channel.kind} channel.`, `test:${id}:${now}`, now, { channelId: id }),
        id: newId("alr_"),
        deliveries: [],
        repeats: 0,
      };
      const delivery: Delivery = { channelId: channel.id, channelName: channel.name, kind: channel.kind, status: "pending", attempts: 0 };
      entry.deliveries.push(delivery);
      await deliverTo(entry, channel, delivery);
      await write(() => store.appendLog(entry));
      return delivery;
    },
    tick,
    async idle() {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
      await writes;
    },
  };
}

/** Channels from the config file / environment (ids "config:<kind>"; read-only in Settings). */
export function channelsFromConfig(config: AlertsConfig): AlertChannel[] {
  const out: AlertChannel[] = [];
  const t = config.telegram;
  if (t.botToken && t.chatIds.length) {
    out.push({ id: "config:telegram", kind: "telegram", name: "Telegram (config)", enabled: true, source: "config", routing: { minSeverity: "info" }, settings: { chatIds: t.chatIds, apiRoot: t.apiRoot }, secrets: { botToken: t.botToken } });
  }
  const e = config.email;
  if (e.host && e.from && e.to.length) {
    out.push({ id: "config:email", kind: "email", name: "E-mail (config)", enabled: true, source: "config", routing: { minSeverity: "warning" }, settings: { host: e.host, port: e.port, secure: e.secure, user: e.user, from: e.from, to: e.to }, secrets: { password: e.password } });
  }
  const w = config.webhook;
  if (w.url) out.push({ id: "config:webhook", kind: "webhook", name: "Webhook (config)", enabled: true, source: "config", routing: { minSeverity: "info" }, settings: { url: w.url }, secrets: { secret: w.secret } });
  return out;
}

export type { AlertSeverity };
