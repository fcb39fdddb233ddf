import { describe, expect, it } from "vitest";
import { TIMEFRAME_MS, type Signal } from "../../model/types";
import { enrichSignal, explainSignal, insightReasons } from "../explain";
import { FeatureEngine } from "../features";
import { trainModel } from "../model";
import { ModelRegistry } from "../model-registry";
import { buildSnapshot, type InsightSnapshot } from "../snapshot";
import { momentumSeries, numbersIn, randomWalk } from "./helpers";

function snapshotOf(candles = momentumSeries(1200, 44, 0.75), trainOn = 1000): InsightSnapshot {
  const registry = new ModelRegistry();
  const trained = trainModel(candles.slice(0, trainOn), "BTC/USDT", "5m", { horizon: 3 });
  const record = registry.addUnstored({ symbol: "BTC/USDT", timeframe: "5m", params: trained.params, metrics: trained.metrics, createdAt: 1 });
  const engine = new FeatureEngine("5m");
  for (const c of candles) engine.update(c);
  return buildSnapshot("BTC/USDT", engine, record)!;
}

function signalAt(snapshot: InsightSnapshot, overrides: Partial<Signal> = {}): Signal {
  return {
    id: "s1",
    timestamp: snapshot.candleTime + TIMEFRAME_MS["5m"],
    strategyInstanceId: "ema",
    symbol: "BTC/USDT",
    timeframe: "5m",
    action: "enter_long",
    price: snapshot.close,
    reason: "EMA9 crossed above EMA21; RSI 57.0",
    data: {},
    ...overrides,
  };
}

const round = (x: number, dp: number) => Number(x.toFixed(dp));

describe("plain-language reasons", () => {
  const snapshot = snapshotOf();

  it("a signal's reason states the regime, the consensus and the model with exactly the snapshot's numbers", () => {
    const text = explainSignal(signalAt(snapshot), snapshot);
    expect(text.startsWith("Entered long: EMA9 crossed above EMA21; RSI 57.0; regime ")).toBe(true);
    const [, regimePart, consensusPart, modelPart] = text.split(/; (?=regime |indicators |model probability )/);
    const e = snapshot.regime.evidence;
    const regimeLabel = snapshot.regime.label.replace("_", " ");
    expect(regimePart.startsWith(`regime ${regimeLabel} (`)).toBe(true);
    const expectedRegime = [round(e.adx, 1)];
    if (e.ema50SlopePct !== null) expectedRegime.push(round(e.ema50SlopePct, 2), 10);
    if (e.volatilityPercentile !== null) expectedRegime.push(round(e.volatilityPercentile, 1));
    expect(numbersIn(regimePart.replace("EMA50", "EMA"))).toEqual(expectedRegime);

    const n = snapshot.consensus.net;
    expect(numbersIn(consensusPart)).toEqual([n.bullish, n.bearish, n.neutral]);
    expect(consensusPart).toContain(n.lean === "neutral" ? "are mixed" : `lean ${n.lean}`);

    const m = snapshot.model!;
    const o = m.outOfSample;
    expect(numbersIn(modelPart)).toEqual([
      round(m.probability, 2),
      round(o.baseRate, 2),
      round(100 * o.accuracy, 1),
      round(100 * o.majorityAccuracy, 1),
      o.samples,
    ]);
  });

  it("the insight reasons carry the same numbers, and the drivers are the largest contributions", () => {
    const reasons = insightReasons(snapshot, { level: "warn", worst: { key: "dailyLoss", label: "Daily loss", used: 7.5, limit: 10, unit: "USDT", ratio: 0.75 } });
    expect(reasons[0]).toContain(snapshot.regime.rule);
    const driverLine = reasons.find((r) => r.startsWith("Strongest model drivers"))!;
    const top = snapshot.model!.contributions.slice(0, 3);
    for (const c of top) expect(driverLine).toContain(`${c.feature} ${c.contribution >= 0 ? "+" : ""}${c.contribution.toFixed(2)}`);
    expect(reasons.at(-1)).toBe("Risk warn: the closest limit is Daily loss at 75.0% of its limit.");
  });

  it("a model without an edge is called no signal, with the edge and two standard errors", () => {
    const noise = snapshotOf(randomWalk(1400, 3), 1200);
    expect(noise.model!.significant).toBe(false);
    const line = insightReasons(noise).find((r) => r.startsWith("Out of sample the model's edge"))!;
    const o = noise.model!.outOfSample;
    expect(numbersIn(line)).toEqual([round(100 * o.accuracyEdge, 1), round(200 * o.accuracyStdErr, 1)]);
    expect(explainSignal(signalAt(noise), noise)).toContain("not significantly better than the majority guess");
  });

  it("a snapshot of another market or an older candle adds nothing; the strategy's reason is kept", () => {
    expect(explainSignal(signalAt(snapshot, { symbol: "ETH/USDT" }), snapshot)).toBe("Entered long: EMA9 crossed above EMA21; RSI 57.0");
    const late = signalAt(snapshot, { timestamp: snapshot.candleTime + 3 * TIMEFRAME_MS["5m"] });
    expect(explainSignal(late, snapshot)).toBe("Entered long: EMA9 crossed above EMA21; RSI 57.0");
    expect(explainSignal(signalAt(snapshot, { action: "exit_long" }))).toBe("Exited long: EMA9 crossed above EMA21; RSI 57.0");
  });

  it("enrichSignal adds the context to the data without touching the original", () => {
    const signal = signalAt(snapshot);
    const enriched = enrichSignal(signal, snapshot);
    expect(signal.reason).toBe("EMA9 crossed above EMA21; RSI 57.0");
    expect(enriched.data).toMatchObject({ regime: snapshot.regime.label, consensus: snapshot.consensus.net.lean, modelProbability: snapshot.model!.probability });
    expect(enriched.reason).toBe(explainSignal(signal, snapshot));
  });
});
