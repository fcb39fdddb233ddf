import type { z } from "zod";
import type { Timeframe } from "../model/types";
import type { Strategy, StrategyInstanceConfig } from "./types";

export interface StrategyPreset<I = Record<string, unknown>> {
  id: string;
  label: string;
  timeframe: Timeframe;
  /** Partial params; the schema's defaults fill the rest. */
  params: Partial<I>;
}

/** Everything the registry knows about one strategy kind. */
export interface StrategyDefinition<S extends z.ZodObject = z.ZodObject> {
  kind: string;
  title: string;
  /** The rules in plain words, for the UI. */
  description: string;
  paramsSchema: S;
  defaultTimeframe: Timeframe;
  presets: readonly StrategyPreset<z.input<S>>[];
  create(config: StrategyInstanceConfig, params: z.output<S>): Strategy<z.output<S>>;
}
