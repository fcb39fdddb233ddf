import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkLiveArming, GO_LIVE_OVERRIDE_PHRASE, LIVE_CONFIRMATION_PHRASE, type LiveArmingInput } from "../../auth/live-arming";
import { generateTotpSecret, totpCode } from "../../auth/totp";
import { DEFAULT_RISK_LIMITS } from "../../config/risk-limits";
import type { Database } from "../../db/database";
import { evaluateGoLive, type GoLiveChecklist } from "../checklist";
import { acknowledgeRiskLimits, loadGoLiveHistory } from "../load-history";
import { orderRow, throwawayDatabase, T0, tradeRow } from "./db";

let db: Database;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ db, close } = await throwawayDatabase());
}, 120_000);
afterAll(async () => close?.());

const limits = DEFAULT_RISK_LIMITS;
const armingInput = (goLive: GoLiveChecklist, extra: Partial<LiveArmingInput> = {}): LiveArmingInput => ({
  hasValidMainnetKeys: true,
  typedConfirmation: LIVE_CONFIRMATION_PHRASE,
  acknowledgedDailyLossLimit: 3,
  acknowledgedMaxPosition: 20,
  currentLimits: { dailyLossLimit: 3, maxPosition: 20 },
  user: { username: "owner", totpEnabled: false },
  now: T0,
  goLive,
  ...extra,
});

describe("go-live checklist from stored history", () => {
  it("a bot that only paper-traded a little fails the checklist item by item, each with its figure", async () => {
    const p = db.prisma;
    await p.backtestRun.create({ data: { id: "bt_1", status: "completed", config: { strategy: { kind: "ma_crossover" } } } });
    await p.trade.createMany({ data: [tradeRow({ mode: "paper", pnl: 1.5 }), tradeRow({ mode: "paper", pnl: -0.8 }), tradeRow({ mode: "paper", pnl: 2 })] });
    await p.tradingSession.create({
      data: { id: "ses_1", mode: "paper", status: "ended", config: {}, startedAt: new Date(T0), endsAt: new Date(T0 + 4 * 3_600_000), endedAt: new Date(T0 + 90 * 60_000), endReason: "max_loss" },
    });
    await p.signal.createMany({
      data: Array.from({ length: 40 }, (_, i) => ({
        id: `sig_${i}`, mode: "ghost", strategyInstanceId: "s", symbol: "BTC/USDT", timeframe: "5m", action: "enter_long", price: "50000", reason: "x", data: {},
        timestamp: new Date(T0 + i * 60_000), outcome: i % 5 < 3 ? "win" : "loss",
      })),
    });
    // Live on a testnet-like venue (the simulator): 8 trades, 4 winners.
    for (let i = 0; i < 8; i++) {
      await p.order.create({ data: orderRow({ id: `lv_${i}`, mode: "live", venue: "simulator", createdAt: T0 + i * 60_000 }) });
      await p.trade.create({ data: tradeRow({ mode: "live", pnl: i % 2 === 0 ? 1 : -0.5, entryOrderId: `lv_${i}` }) });
    }
    const checklist = evaluateGoLive(await loadGoLiveHistory(p, { currentLimits: limits }));
    expect(checklist.ready).toBe(false);
    const byId = Object.fromEntries(checklist.items.map((i) => [i.id, i]));
    expect(byId.backtest).toMatchObject({ passed: true, figure: "1 completed backtest" });
    expect(byId.paper_trades).toMatchObject({ passed: false, figure: "3 of 5 trades" });
    expect(byId.paper_run).toMatchObject({ passed: false, figure: "longest clean run 1.5 h" });
    expect(byId.paper_pnl).toMatchObject({ passed: true, figure: "3 trades agree" });
    expect(byId.ghost_signals).toMatchObject({ passed: false, figure: "40 of 100 signals" });
    expect(byId.ghost_accuracy).toMatchObject({ passed: true, figure: "60.0 % (24 of 40 right)" });
    expect(byId.testnet_trades).toMatchObject({ passed: false, figure: "8 of 20 trades" });
    expect(byId.testnet_win_rate).toMatchObject({ passed: false, figure: "50.0 % (4 of 8)" });
    expect(byId.testnet_profit_factor).toMatchObject({ passed: true, figure: "profit factor 2.00" });
    expect(byId.risk_acknowledged).toMatchObject({ passed: false, figure: "not acknowledged" });
  }, 60_000);

  it("a 1.5-hour run is not the 4-hour run the plan asks for", async () => {
    const checklist = evaluateGoLive(await loadGoLiveHistory(db.prisma, { currentLimits: limits }));
    const run = checklist.items.find((i) => i.id === "paper_run")!;
    expect(run.passed).toBe(false);
    expect(run.figure).toBe("longest clean run 1.5 h");
  });

  it("a paper trade whose stored P&L does not follow from its prices fails the P&L check", async () => {
    await db.prisma.trade.create({ data: { ...tradeRow({ mode: "paper", pnl: 1 }), pnl: "5" } });
    const checklist = evaluateGoLive(await loadGoLiveHistory(db.prisma, { currentLimits: limits }));
    expect(checklist.items.find((i) => i.id === "paper_pnl")).toMatchObject({ passed: false, value: 1 });
  });

  it("arming live on a real-money venue is refused with the failing items shown", async () => {
    const checklist = evaluateGoLive(await loadGoLiveHistory(db.prisma, { currentLimits: limits }));
    const result = checkLiveArming(armingInput(checklist));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const failure = result.failures.find((f) => f.code === "LIVE_CHECKLIST_FAILING")!;
    expect(failure.items!.map((i) => i.id)).toEqual(checklist.failing.map((i) => i.id));
    expect(failure.message).toContain("Testnet: at least 20 trades (8 of 20 trades)");
    expect(failure.message).toContain("Ghost: at least 100 signals with an outcome (40 of 100 signals)");
  });

  it("the owner may override only with the typed phrase and a valid two-factor code", async () => {
    const checklist = evaluateGoLive(await loadGoLiveHistory(db.prisma, { currentLimits: limits }));
    const noTotp = checkLiveArming(armingInput(checklist, { overridePhrase: GO_LIVE_OVERRIDE_PHRASE }));
    expect(noTotp.ok ? [] : noTotp.failures.map((f) => f.code)).toEqual(["LIVE_OVERRIDE_NEEDS_TOTP"]);
    const secret = generateTotpSecret();
    const user = { username: "owner", totpEnabled: true, totpSecret: secret };
    const wrong = checkLiveArming(armingInput(checklist, { overridePhrase: "override", user, totpCode: totpCode(secret, T0) }));
    expect(wrong.ok ? [] : wrong.failures.map((f) => f.code)).toEqual(["LIVE_CHECKLIST_FAILING"]);
    const ok = checkLiveArming(armingInput(checklist, { overridePhrase: GO_LIVE_OVERRIDE_PHRASE, user, totpCode: totpCode(secret, T0) }));
    expect(ok).toMatchObject({ ok: true, overridden: checklist.failing.map((i) => i.id) });
  });

  it("the acknowledgement holds for the limits it saw: tightening one asks for it again", async () => {
    await acknowledgeRiskLimits(db.prisma, { limits, by: "user:owner", at: T0 });
    const now = evaluateGoLive(await loadGoLiveHistory(db.prisma, { currentLimits: limits }));
    expect(now.items.find((i) => i.id === "risk_acknowledged")).toMatchObject({ passed: true, figure: "acknowledged by user:owner on 2024-03-06 12:00 UTC" });
    const tighter = { ...limits, live: { ...limits.live, maxPositionQuote: 40 } };
    const later = evaluateGoLive(await loadGoLiveHistory(db.prisma, { currentLimits: tighter }));
    expect(later.items.find((i) => i.id === "risk_acknowledged")?.passed).toBe(false);
  });

  it("a bot with the full history passes, and arming goes through", () => {
    const checklist = evaluateGoLive({
      backtests: 2,
      paperTrades: Array.from({ length: 6 }, (_, i) => ({ id: `p${i}`, side: "long" as const, quantity: 1, entryPrice: 100, exitPrice: 101, fees: 0.2, pnl: 0.8 })),
      paperRuns: [{ startedAt: T0, endedAt: T0 + 4 * 3_600_000, endReason: "time", status: "ended" }],
      ghostSignals: { withOutcome: 120, wins: 70 },
      testnetTrades: [...Array.from({ length: 12 }, () => ({ pnl: 2 })), ...Array.from({ length: 8 }, () => ({ pnl: -1.5 }))],
      acknowledgement: { at: T0, by: "user:owner", matchesCurrent: true },
    });
    expect(checklist.failing).toEqual([]);
    expect(checkLiveArming(armingInput(checklist))).toMatchObject({ ok: true });
  });
});
