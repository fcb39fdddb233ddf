import { z } from "zod";
import { AppError } from "../core/errors";

/**
 * Strategy parameters are declared once, as a zod object schema whose numeric fields all carry
 * min, max and step (so the optimiser can sweep them and the UI can build forms); the JSON-friendly
 * description below is derived from that schema, so the two cannot drift apart.
 */

interface NumberParamSpec {
  title: string;
  description: string;
  default: number;
  min: number;
  max: number;
  step: number;
  integer?: boolean;
}

export function numberParam(spec: NumberParamSpec) {
  const base = spec.integer ? z.number().int() : z.number();
  return base.min(spec.min).max(spec.max).default(spec.default).meta({ title: spec.title, description: spec.description, step: spec.step });
}

export function integerParam(spec: Omit<NumberParamSpec, "integer" | "step"> & { step?: number }) {
  return numberParam({ ...spec, step: spec.step ?? 1, integer: true });
}

export function booleanParam(spec: { title: string; description: string; default: boolean }) {
  return z.boolean().default(spec.default).meta({ title: spec.title, description: spec.description });
}

export function enumParam<const T extends readonly [string, ...string[]]>(spec: { title: string; description: string; options: T; default: T[number] }) {
  return z.enum(spec.options).default(spec.default).meta({ title: spec.title, description: spec.description });
}

/** For cross-field rules: run them only once every field is valid on its own (no noise on top of a range error). */
export const whenFieldsValid = { when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0 };

/** Parameters shared by the built-in strategies that open positions. */
export const protectiveParams = {
  allowShort: booleanParam({
    title: "Allow shorting",
    description: "Also take the short side of the rule. Leave off for spot accounts, which cannot short.",
    default: false,
  }),
  stopLossPct: numberParam({
    title: "Stop loss %",
    description: "Stop distance from the entry price attached to entries; 0 leaves it to the risk limits' default stop.",
    default: 0,
    min: 0,
    max: 50,
    step: 0.1,
  }),
  takeProfitPct: numberParam({
    title: "Take profit %",
    description: "Take-profit distance from the entry price attached to entries; 0 leaves it to the risk limits' default.",
    default: 0,
    min: 0,
    max: 1000,
    step: 0.1,
  }),
};

export interface ParamDescription {
  name: string;
  type: "integer" | "number" | "boolean" | "string" | "enum";
  label: string;
  description?: string;
  required: boolean;
  default?: number | boolean | string;
  min?: number;
  max?: number;
  step?: number;
  options?: string[];
}

interface JsonSchemaProperty {
  type?: string;
  title?: string;
  description?: string;
  default?: number | boolean | string;
  minimum?: number;
  maximum?: number;
  step?: number;
  enum?: string[];
}

/** JSON-friendly description of a params schema, one entry per parameter, in declaration order. */
export function describeParams(schema: z.ZodObject): ParamDescription[] {
  const json = z.toJSONSchema(schema, { io: "input" }) as { properties?: Record<string, JsonSchemaProperty>; required?: string[] };
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, p]) => {
    const type: ParamDescription["type"] = p.enum ? "enum" : p.type === "integer" || p.type === "number" || p.type === "boolean" ? p.type : "string";
    const out: ParamDescription = { name, type, label: p.title ?? name, required: required.has(name) && p.default === undefined };
    if (p.description !== undefined) out.description = p.description;
    if (p.default !== undefined) out.default = p.default;
    if (p.minimum !== undefined) out.min = p.minimum;
    if (p.maximum !== undefined) out.max = p.maximum;
    if (p.step !== undefined) out.step = p.step;
    if (p.enum) out.options = p.enum;
    return out;
  });
}

export interface ParamIssue {
  /** Parameter name ("" when the problem is the params value as a whole). */
  param: string;
  message: string;
}

export class StrategyParamsError extends AppError {
  constructor(
    readonly kind: string,
    readonly issues: ParamIssue[],
  ) {
    const lines = issues.map((i) => (i.param ? `${i.param}: ${i.message}` : i.message));
    super("INVALID_STRATEGY_PARAMS", `Invalid parameters for strategy "${kind}": ${lines.join("; ")}`, 400, { kind, issues });
    this.name = "StrategyParamsError";
  }
}

function describeReceived(value: unknown): string {
  if (value === undefined) return "nothing";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Validate and apply defaults; every problem names the parameter and the value received. */
export function parseParams<S extends z.ZodObject>(kind: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issues: ParamIssue[] = result.error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      return { param: issue.keys.join(", "), message: `unknown parameter (known: ${Object.keys(schema.shape).join(", ")})` };
    }
    const param = issue.path.map(String).join(".");
    const received = issue.path.reduce<unknown>((node, key) => (node as Record<PropertyKey, unknown> | undefined)?.[key as PropertyKey], input);
    if (issue.code === "invalid_type" && received === undefined && param) return { param, message: "is required" };
    if (issue.code === "custom") return { param, message: issue.message }; // cross-field rules state their own numbers
    return { param, message: `${issue.message} (got ${describeReceived(received)})` };
  });
  throw new StrategyParamsError(kind, issues);
}
