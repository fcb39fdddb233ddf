import type { StrategyKindDto, StrategyParamDto } from "../lib/types";
import { isNum } from "../lib/format";

export type ParamInput = "number" | "integer" | "boolean" | "select" | "text";

/** Which control edits a parameter. */
export function paramInput(param: StrategyParamDto): ParamInput {
  if (param.options && param.options.length > 0) return "select";
  switch (param.type) {
    case "integer":
      return "integer";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "enum":
      return "select";
    default:
      return typeof param.default === "number" ? "number" : typeof param.default === "boolean" ? "boolean" : "text";
  }
}

export function defaultParams(kind: StrategyKindDto | undefined): Record<string, unknown> {
  if (!kind) return {};
  return Object.fromEntries(kind.params.map((p) => [p.name, p.default]));
}

const EPS = 1e-9;

/** Why a parameter value is not acceptable, or null when it is (min, max, integer and step enforced). */
export function validateParam(param: StrategyParamDto, value: unknown): string | null {
  const input = paramInput(param);
  if (value === undefined || value === null || value === "") return param.required === false ? null : `${param.name} is required`;
  if (input === "number" || input === "integer") {
    if (!isNum(value)) return `${param.name} must be a number`;
    if (input === "integer" && !Number.isInteger(value)) return `${param.name} must be a whole number`;
    if (isNum(param.min) && value < param.min - EPS) return `${param.name} must be at least ${param.min}`;
    if (isNum(param.max) && value > param.max + EPS) return `${param.name} must be at most ${param.max}`;
    if (isNum(param.step) && param.step > 0) {
      const base = isNum(param.min) ? param.min : 0;
      const steps = (value - base) / param.step;
      if (Math.abs(steps - Math.round(steps)) > 1e-6) return `${param.name} must move in steps of ${param.step}${isNum(param.min) ? ` from ${param.min}` : ""}`;
    }
    return null;
  }
  if (input === "boolean") return typeof value === "boolean" ? null : `${param.name} must be on or off`;
  if (input === "select") return param.options?.some((o) => o === value) ? null : `${param.name} must be one of ${(param.options ?? []).join(", ")}`;
  return typeof value === "string" ? null : `${param.name} must be text`;
}

export interface FieldError {
  name: (string | number)[];
  errors: string[];
}

/**
 * Server validation details (`[{ path: "params.fast", message }]`) as form field errors; anything that does
 * not name a field is left for the general error message.
 */
export function fieldErrorsFromDetails(details: unknown, knownFields: readonly string[]): FieldError[] {
  if (!Array.isArray(details)) return [];
  const out: FieldError[] = [];
  for (const d of details) {
    if (!d || typeof d !== "object") continue;
    const { path, message } = d as { path?: unknown; message?: unknown };
    if (typeof path !== "string" || typeof message !== "string" || !path) continue;
    const name = path.split(".");
    const top = name[0]!;
    if (!knownFields.includes(top)) continue;
    out.push({ name, errors: [message] });
  }
  return out;
}
