import { Bot, type Context } from "grammy";
import type { Logger } from "pino";
import type { Clock } from "../core/clock";
import { errorMessage } from "../core/errors";
import type { TradingCommands } from "./types";
import { money, pct, signedMoney } from "./format";

/**
 * Telegram commands, as traders know them from Freqtrade: /status, /positions, /pnl, /daily,
 * /stopentries, /kill (confirmed, with a two-factor code when 2FA is on). /reset is refused: lifting
 * a kill switch needs the dashboard. Only the configured chat ids are obeyed; others are ignored and
 * logged. Updates queued while the bot was down are dropped at start, so a stale /kill never runs.
 */
export interface TelegramBotOptions {
  token: string;
  apiRoot: string;
  chatIds: string[];
  commands: TradingCommands;
  clock: Clock;
  logger: Logger;
  /** How long a /kill waits for its confirmation. */
  confirmWindowMs?: number;
  /** Long-polling timeout (seconds) of getUpdates. */
  pollTimeoutS?: number;
  /** Called for every command handled (the alert log records them). */
  onCommand?: (entry: { chatId: string; command: string; outcome: string }) => void;
}

export interface TelegramBot {
  start(): Promise<void>;
  stop(): Promise<void>;
}

const HELP = [
  "/status – mode, trading state, equity, today's P&L",
  "/positions – open positions",
  "/pnl – realized and unrealized P&L",
  "/daily [days] – P&L per day",
  "/stopentries – no new entries (positions are kept)",
  "/kill – close everything and halt (asks for confirmation)",
].join("\n");

export function createTelegramBot(opts: TelegramBotOptions): TelegramBot {
  const bot = new Bot(opts.token, { client: { apiRoot: opts.apiRoot } });
  const allowed = new Set(opts.chatIds.map(String));
  const window = opts.confirmWindowMs ?? 60_000;
  const pendingKill = new Map<string, number>();
  const { commands, clock, logger } = opts;
  let running: Promise<void> | undefined;

  bot.use(async (ctx, next) => {
    const chatId = ctx.chat?.id !== undefined ? String(ctx.chat.id) : undefined;
    if (!chatId || !allowed.has(chatId)) {
      logger.warn({ chatId, from: ctx.from?.username }, "telegram: ignored a message from a chat that is not configured");
      return;
    }
    await next();
  });

  const handle = (command: string, run: (ctx: Context, chatId: string, args: string[]) => Promise<string>) =>
    bot.command(command, async (ctx) => {
      const chatId = String(ctx.chat.id);
      const args = (typeof ctx.match === "string" ? ctx.match : "").trim().split(/\s+/).filter(Boolean);
      let reply: string;
      try {
        reply = await run(ctx, chatId, args);
      } catch (err) {
        reply = `⚠️ ${command} failed: ${errorMessage(err)}`;
      }
      opts.onCommand?.({ chatId, command, outcome: reply.split("\n")[0] });
      await ctx.reply(reply);
    });

  handle("start", async () => `Tradekeel bot. Commands:\n${HELP}`);
  handle("help", async () => HELP);

  handle("status", async () => {
    const s = await commands.status();
    const q = s.quoteCurrency;
    return [
      `Mode ${s.mode.toUpperCase()} on ${s.venueLabel}`,
      `Trading ${s.tradingState}${s.tradingStateReason ? `: ${s.tradingStateReason}` : ""}`,
      `Equity ${money(s.equity, q)} (cash ${money(s.cash, q)})`,
      `Today ${signedMoney(s.todayPnl, q)} · realized ${signedMoney(s.realizedPnl, q)} · unrealized ${signedMoney(s.unrealizedPnl, q)}`,
      `${s.openPositions} open position(s) · feed ${s.feed}${s.exitAlarms ? ` · 🚨 ${s.exitAlarms} exit alarm(s)` : ""}`,
    ].join("\n");
  });

  handle("positions", async () => {
    const list = await commands.positions();
    if (list.length === 0) return "No open positions.";
    return list.map((p) => `${p.side} ${p.quantity} ${p.symbol} @ ${p.avgEntryPrice} → ${p.markPrice}: ${p.unrealizedPnl >= 0 ? "+" : ""}${p.unrealizedPnl.toFixed(2)} (${pct(p.unrealizedPct)})`).join("\n");
  });

  handle("pnl", async () => {
    const p = await commands.pnl();
    const q = p.quoteCurrency;
    return [`Realized ${signedMoney(p.realizedPnl, q)} · unrealized ${signedMoney(p.unrealizedPnl, q)}`, `Today ${signedMoney(p.todayPnl, q)}`, `${p.trades} trade(s)${p.winRatePct !== null ? `, win rate ${p.winRatePct.toFixed(0)} %` : ""}`].join("\n");
  });

  handle("daily", async (_ctx, _chat, args) => {
    const days = Math.min(30, Math.max(1, Number.parseInt(args[0] ?? "7", 10) || 7));
    const rows = await commands.daily(days);
    if (rows.length === 0) return "No closed trades in that period.";
    return rows.map((r) => `${r.day}: ${r.pnl >= 0 ? "+" : ""}${r.pnl.toFixed(2)} (${r.trades} trade${r.trades === 1 ? "" : "s"})`).join("\n");
  });

  handle("stopentries", async (_ctx, chatId) => `⏸ ${await commands.stopEntries(`telegram:${chatId}`)}`);

  handle("kill", async (_ctx, chatId, args) => {
    const now = clock.now();
    const twoFactor = await commands.twoFactorEnabled();
    const confirming = args[0]?.toLowerCase() === "confirm";
    const requestedAt = pendingKill.get(chatId);
    if (!confirming) {
      pendingKill.set(chatId, now);
      return [
        "🛑 The kill switch cancels every order, closes every position at market and HALTS trading until you reset it in the dashboard.",
        `To go ahead, send within ${Math.round(window / 1000)} s:`,
        twoFactor ? "/kill confirm <your 6-digit two-factor code>" : "/kill confirm",
      ].join("\n");
    }
    if (requestedAt === undefined || now - requestedAt > window) {
      pendingKill.delete(chatId);
      return "No kill switch request is waiting (or it expired). Send /kill first.";
    }
    if (twoFactor) {
      const code = args[1] ?? "";
      if (!/^\d{6}$/.test(code) || !(await commands.verifyTotp(code))) return "❌ Wrong or expired two-factor code: nothing was done. Send /kill confirm <code> again.";
    }
    pendingKill.delete(chatId);
    return `🛑 ${await commands.kill(`telegram:${chatId}`)}`;
  });

  handle("reset", async () => "🚫 The kill switch cannot be reset from chat. Reset it in the dashboard (Risk page) after checking the account.");

  bot.catch((err) => logger.error({ err: err.error }, "telegram: a command failed"));

  return {
    async start() {
      if (running) return;
      await bot.init();
      // Resolves once pending updates are dropped and polling begins: commands sent from then on are answered.
      let polling!: () => void;
      const started = new Promise<void>((resolve) => (polling = resolve));
      running = bot
        .start({ drop_pending_updates: true, timeout: opts.pollTimeoutS ?? 30, allowed_updates: ["message"], onStart: () => polling() })
        .catch((err) => {
          logger.error({ err }, "telegram: polling stopped");
        })
        .finally(() => polling());
      await started;
    },
    async stop() {
      if (!running) return;
      await bot.stop().catch(() => {});
      await running;
      running = undefined;
    },
  };
}
