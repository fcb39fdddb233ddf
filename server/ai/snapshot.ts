import type { Timeframe } from "../model/types";
import { indicatorConsensus, type ConsensusReading } from "./consensus";
import type { FeatureEngine, FeatureName } from "./features";
import type { Contribution } from "./logistic";
import { hasSignificantEdge, modelIncompatibility, outOfSampleView, predict, type MlModelRecord, type OutOfSample } from "./model";
import { classifyRegime, type RegimeReading } from "./regime";

export interface ModelInsight {
  id: string;
  version: number;
  /** When the model was trained (epoch ms). */
  trainedAt: number;
  /** Candles ahead the probability is about. */
  horizon: number;
  /** Probability that the close is higher `horizon` candles after the latest closed candle. */
  probability: number;
  logit: number;
  intercept: number;
  /** coefficient × standardised value per feature, largest magnitude first. */
  contributions: Contribution[];
  outOfSample: OutOfSample;
  /** Out-of-sample accuracy beats always guessing the majority by more than two standard errors. */
  significant: boolean;
  trainSamples: number;
  trainedFrom: number;
  trainedTo: number;
}

/** Everything about one symbol and timeframe at its latest closed candle; cheap to build (no I/O). */
export interface InsightSnapshot {
  symbol: string;
  timeframe: Timeframe;
  /** Open time of the latest closed candle the snapshot describes. */
  candleTime: number;
  close: number;
  features: Record<FeatureName, number>;
  regime: RegimeReading;
  consensus: ConsensusReading;
  model: ModelInsight | null;
  /** Why `model` is null (or "ok"). */
  modelStatus: string;
}

/** The snapshot of a ready feature engine with the newest usable model; undefined before the engine is ready. */
export function buildSnapshot(symbol: string, engine: FeatureEngine, record: MlModelRecord | undefined): InsightSnapshot | undefined {
  const readings = engine.readings();
  const features = engine.named();
  if (!readings || !features) return undefined;
  let model: ModelInsight | null = null;
  let modelStatus = "ok";
  if (!record) {
    modelStatus = `no model trained for ${symbol} ${engine.timeframe} yet (train one: POST /api/insights/train)`;
  } else {
    const incompatible = modelIncompatibility(record.params);
    if (incompatible) {
      modelStatus = `model ${record.id} cannot be used: ${incompatible}`;
    } else {
      const prediction = predict(record.params, engine.vector);
      model = {
        id: record.id,
        version: record.version,
        trainedAt: record.createdAt,
        horizon: record.params.horizon,
        probability: prediction.probability,
        logit: prediction.logit,
        intercept: prediction.intercept,
        contributions: prediction.contributions,
        outOfSample: outOfSampleView(record.metrics),
        significant: hasSignificantEdge(record.metrics),
        trainSamples: record.params.trainSamples,
        trainedFrom: record.params.trainedFrom,
        trainedTo: record.params.trainedTo,
      };
    }
  }
  return {
    symbol,
    timeframe: engine.timeframe,
    candleTime: readings.openTime,
    close: readings.close,
    features,
    regime: classifyRegime(readings),
    consensus: indicatorConsensus(readings),
    model,
    modelStatus,
  };
}
