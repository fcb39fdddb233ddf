import { AppError } from "../core/errors";
import { TIMEFRAMES, type Timeframe } from "../model/types";
import { bollingerBounceDefinition } from "./builtins/bollinger-bounce";
import { maCrossoverDefinition } from "./builtins/ma-crossover";
import { rsiReversionDefinition } from "./builtins/rsi-reversion";
import { tokenUnlockDefinition } from "./builtins/token-unlock";
import { describeParams, parseParams, type ParamDescription } from "./params";
import type { StrategyDefinition } from "./registry-types";
import type { Strategy, StrategyInstanceConfig } from "./types";

/** Where a kind comes from: shipped with Tradekeel, or a file in STRATEGIES_DIR. */
export type StrategySource = { type: "builtin" } | { type: "user"; file: string };

interface RegistryState {
  definitions: Map<string, StrategyDefinition>;
  sources: Map<string, StrategySource>;
  /** Loads the user strategies folder on first use (installed by ./user/loader.ts). */
  userLoader?: () => void;
  userLoaded: boolean;
}

/**
 * One registry per process: the custom server and Next's bundled route handlers can load this module
 * twice (see ARCHITECTURE "Singletons through a globalThis registry"); both must see the same kinds.
 */
const REGISTRY_KEY = Symbol.for("tradekeel.strategy.registry");
const registry: RegistryState = ((globalThis as Record<symbol, unknown>)[REGISTRY_KEY] as RegistryState | undefined) ?? {
  definitions: new Map(),
  sources: new Map(),
  userLoaded: false,
};
(globalThis as Record<symbol, unknown>)[REGISTRY_KEY] = registry;
const definitions = registry.definitions;

/** Adds a strategy kind (the built-ins are registered at load; user files by the loader). */
export function registerStrategyKind(definition: StrategyDefinition, source: StrategySource = { type: "builtin" }): void {
  if (definitions.has(definition.kind)) throw new Error(`strategy kind "${definition.kind}" is already registered`);
  definitions.set(definition.kind, definition);
  registry.sources.set(definition.kind, source);
}

/** Removes a user kind (reloading its file); built-ins cannot be removed. */
export function unregisterStrategyKind(kind: string): boolean {
  if (registry.sources.get(kind)?.type !== "user") return false;
  registry.sources.delete(kind);
  return definitions.delete(kind);
}

export function strategySourceOf(kind: string): StrategySource | undefined {
  return registry.sources.get(kind);
}

/** Installed by the user-strategy loader: run once, on the first lookup or listing. */
export function setUserStrategyLoader(load: () => void): void {
  registry.userLoader = load;
}

/** Marks the user folder as loaded (the loader calls it, eagerly at start or lazily from here). */
export function markUserStrategiesLoaded(): void {
  registry.userLoaded = true;
}

function ensureUserStrategies(): void {
  if (registry.userLoaded || !registry.userLoader) return;
  registry.userLoaded = true;
  try {
    registry.userLoader();
  } catch {
    // The loader records its own errors per file; a lookup must never fail because of the folder.
  }
}

for (const definition of [maCrossoverDefinition, rsiReversionDefinition, bollingerBounceDefinition, tokenUnlockDefinition]) {
  if (!definitions.has(definition.kind)) registerStrategyKind(definition as unknown as StrategyDefinition);
}

export function getStrategyDefinition(kind: string): StrategyDefinition {
  if (!definitions.has(kind)) ensureUserStrategies();
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
  /** "builtin", or "user" with the file it was loaded from. */
  source: "builtin" | "user";
  file?: string;
}

/** Every registered kind with its parameter descriptions and presets; plain JSON. */
export function listStrategyKinds(): StrategyKindInfo[] {
  ensureUserStrategies();
  return [...definitions.values()].map((d) => {
    const params = describeParams(d.paramsSchema);
    const defaults = Object.fromEntries(params.filter((p) => p.default !== undefined).map((p) => [p.name, p.default]));
    const source = registry.sources.get(d.kind) ?? { type: "builtin" as const };
    return {
      source: source.type,
      ...(source.type === "user" ? { file: source.file } : {}),
      kind: d.kind,
      title: d.title,
      description: d.description,
      defaultTimeframe: d.defaultTimeframe,
      params,
      presets: d.presets.map((preset) => ({ id: preset.id, label: preset.label, timeframe: preset.timeframe, params: { ...defaults, ...preset.params } })),
    };
  });
}
