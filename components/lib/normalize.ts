import { TIMEFRAMES, type StrategyKindDto, type StrategyParamDto, type Timeframe } from "./types";

type Rec = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const tf = (v: unknown): Timeframe | undefined => (typeof v === "string" && (TIMEFRAMES as readonly string[]).includes(v) ? (v as Timeframe) : undefined);

/**
 * `/api/strategies/kinds` in the contract's shape whatever spelling the server uses: `title` or `name` for the
 * kind, `name` or `key` for a parameter, `label`/`name`/`id` for a preset. Entries without an identity are dropped.
 */
export function normalizeStrategyKinds(raw: unknown): StrategyKindDto[] {
  if (!Array.isArray(raw)) return [];
  const kinds: StrategyKindDto[] = [];
  for (const item of raw) {
    if (!item || typeof item !== "object") continue;
    const k = item as Rec;
    const kind = str(k.kind);
    if (!kind) continue;
    const params: StrategyParamDto[] = [];
    for (const p of Array.isArray(k.params) ? k.params : []) {
      if (!p || typeof p !== "object") continue;
      const r = p as Rec;
      const key = str(r.key) ?? str(r.name);
      if (!key) continue;
      params.push({
        key,
        label: str(r.label) ?? key,
        type: str(r.type) ?? "string",
        default: r.default,
        min: num(r.min),
        max: num(r.max),
        step: num(r.step),
        options: Array.isArray(r.options) ? (r.options.filter((o) => typeof o === "string" || typeof o === "number") as (string | number)[]) : undefined,
        required: typeof r.required === "boolean" ? r.required : undefined,
        description: str(r.description) ?? "",
      });
    }
    const presets: StrategyKindDto["presets"] = [];
    for (const p of Array.isArray(k.presets) ? k.presets : []) {
      if (!p || typeof p !== "object") continue;
      const r = p as Rec;
      const name = str(r.name) ?? str(r.label) ?? str(r.id);
      if (!name || !r.params || typeof r.params !== "object") continue;
      presets.push({ name, timeframe: tf(r.timeframe), params: r.params as Record<string, unknown> });
    }
    kinds.push({ kind, name: str(k.name) ?? str(k.title) ?? kind, description: str(k.description) ?? "", params, presets, defaultTimeframe: tf(k.defaultTimeframe) });
  }
  return kinds;
}
