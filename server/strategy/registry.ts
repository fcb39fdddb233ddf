import { AppError } from "../core/errors";
import { TIMEFRAMES, type Timeframe } from "../model/types";
import { bollingerBounceDefinition } from "./builtins/bollinger-bounce";
import { maCrossoverDefinition } from "./builtins/ma-crossover";
import { rsiReversionDefinition } from "./builtins/rsi-reversion";
import { tokenUnlockDefinition } from "./builtins/token-unlock";
import { describeParams, parseParams, type ParamDescription } from "./params";
import type { StrategyDefinition } from "./registry-types";
import type { Strategy, StrategyInstanceConfig } from "./types";

const definitions = new Map<string, StrategyDefinition>();

/** Adds a strategy kind (the built-ins are registered at load). */
export function registerStrategyKind(definition: StrategyDefinition): void {
  if (definitions.has(definition.kind)) throw new Error(`strategy kind "${definition.kind}" is already registered`);
  definitions.set(definition.kind, definition);
}

for (const definition of [maCrossoverDefinition, rsiReversionDefinition, bollingerBounceDefinition, tokenUnlockDefinition]) {
  registerStrategyKind(definition as unknown as StrategyDefinition);
}

export function getStrategyDefinition(kind: string): StrategyDefinition {
  const definition = definitions.get(kind);
  if (!definition) {
    throw new AppError("UNKNOWN_STRATEGY_KIND", `Unknown strategy kind "${kind}"; known kinds: ${[...definitions.keys()].join(", ")}`, 400, { kind });
  }
  return definition;
}

/** Validates params for a kind and fills in defaults (throws StrategyParamsError naming each bad param). */
export function parseStrategyParams(kind: string, params: unknown): Record<string, unknown> {
  const definition = getStrategyDefinition(kind);
  return parseParams(kind, definition.paramsSchema, params) as Record<string, unknown>;
}

/**
 * Creates a strategy instance. Throws AppError UNKNOWN_STRATEGY_KIND, StrategyParamsError
 * (INVALID_STRATEGY_PARAMS), AppError INVALID_TIMEFRAME, or the kind's own set-up error (for example
 * UnlockCalendarError when the unlock calendar file is missing or malformed).
 */
export function createStrategy(kind: string, params: unknown, instance: StrategyInstanceConfig): Strategy {
  const definition = getStrategyDefinition(kind);
  const timeframe = instance.timeframe ?? definition.defaultTimeframe;
  if (!TIMEFRAMES.includes(timeframe)) {
    throw new AppError("INVALID_TIMEFRAME", `Strategy "${kind}": timeframe ${String(timeframe)} is not one of ${TIMEFRAMES.join(", ")}`, 400);
  }
  const parsed = parseParams(kind, definition.paramsSchema, params);
  return definition.create({ ...instance, timeframe }, parsed);
}

export interface StrategyKindInfo {
  kind: string;
  title: string;
  description: string;
  defaultTimeframe: Timeframe;
  params: ParamDescription[];
  /** Presets with every defaulted param filled in (a required param without default stays absent). */
  presets: { id: string; label: string; timeframe: Timeframe; params: Record<string, unknown> }[];
}

/** Every registered kind with its parameter descriptions and presets; plain JSON. */
export function listStrategyKinds(): StrategyKindInfo[] {
  return [...definitions.values()].map((d) => {
    const params = describeParams(d.paramsSchema);
    const defaults = Object.fromEntries(params.filter((p) => p.default !== undefined).map((p) => [p.name, p.default]));
    return {
      kind: d.kind,
      title: d.title,
      description: d.description,
      defaultTimeframe: d.defaultTimeframe,
      params,
      presets: d.presets.map((preset) => ({ id: preset.id, label: preset.label, timeframe: preset.timeframe, params: { ...defaults, ...preset.params } })),
    };
  });
}
