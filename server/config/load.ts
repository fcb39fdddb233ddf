import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { configSchema, type AppConfig } from "./schema";

/**
 * Configuration comes from (lowest to highest precedence): defaults, a JSON config file, environment.
 * The file is TRADEKEEL_CONFIG if set, else ./tradekeel.config.json if present.
 * Every failure names the key, what is wrong with the value and how to fix it; secrets are never echoed.
 */

type EnvKind = "string" | "int" | "number" | "bool" | "list";
interface EnvBinding {
  env: string;
  path: string[];
  kind: EnvKind;
  secret?: boolean;
  fix: string;
}

export const ENV_BINDINGS: EnvBinding[] = [
  { env: "PORT", path: ["server", "port"], kind: "int", fix: "set PORT to a port number such as 3000" },
  { env: "HOST", path: ["server", "host"], kind: "string", fix: "set HOST to an interface address such as 127.0.0.1" },
  { env: "DATA_DIR", path: ["server", "dataDir"], kind: "string", fix: "set DATA_DIR to a writable folder" },
  { env: "LOG_LEVEL", path: ["server", "logLevel"], kind: "string", fix: "use one of fatal, error, warn, info, debug, trace, silent" },
  { env: "DATABASE_URL", path: ["database", "url"], kind: "string", secret: true, fix: "use postgresql://user:password@host:5432/db, or unset it for the embedded database" },
  { env: "VENUE", path: ["venue", "id"], kind: "string", fix: "use simulator, binance, binance-testnet or a ccxt exchange id" },
  { env: "VENUE_API_KEY", path: ["venue", "apiKey"], kind: "string", secret: true, fix: "set the exchange API key, or unset it" },
  { env: "VENUE_API_SECRET", path: ["venue", "secret"], kind: "string", secret: true, fix: "set the exchange API secret, or unset it" },
  { env: "SIM_SPEED", path: ["simulator", "speed"], kind: "number", fix: "set SIM_SPEED to simulated seconds per real second, e.g. 1 or 60" },
  { env: "SIM_SEED", path: ["simulator", "seed"], kind: "int", fix: "set SIM_SEED to an integer" },
  { env: "SIM_SYMBOLS", path: ["simulator", "symbols"], kind: "list", fix: "a comma-separated list such as BTC/USDT,ETH/USDT" },
  { env: "SIM_HISTORY_DAYS", path: ["simulator", "historyDays"], kind: "number", fix: "days of generated history, 0 to 30" },
  { env: "SIM_CSV", path: ["simulator", "csv"], kind: "string", fix: "path to a candle CSV (open_time,open,high,low,close,volume)" },
  { env: "SIM_URL", path: ["simulator", "url"], kind: "string", fix: "the address `npm run simulator` printed, e.g. http://127.0.0.1:9100" },
  { env: "SIM_PORT", path: ["simulator", "port"], kind: "int", fix: "a port for the embedded simulator, or 0 for any free port" },
  { env: "TRADING_MODE", path: ["trading", "mode"], kind: "string", fix: "use ghost, paper or live" },
  { env: "TRADING_SYMBOLS", path: ["trading", "symbols"], kind: "list", fix: "a comma-separated list such as BTC/USDT,ETH/USDT" },
  { env: "STARTING_BALANCE", path: ["trading", "startingBalance"], kind: "number", fix: "the paper account's starting cash, e.g. 10000" },
  { env: "AUTO_START", path: ["trading", "autoStart"], kind: "bool", fix: "true or false" },
  { env: "ADMIN_PASSWORD", path: ["auth", "adminPassword"], kind: "string", secret: true, fix: "use a password of at least 8 characters" },
  { env: "TRADEKEEL_API_TOKEN", path: ["auth", "apiToken"], kind: "string", secret: true, fix: "use a random token of at least 32 characters (e.g. openssl rand -hex 32)" },
  { env: "TRADEKEEL_MASTER_KEY", path: ["auth", "masterKey"], kind: "string", secret: true, fix: "64 hex characters (openssl rand -hex 32), or unset it to use a key file" },
];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

function parseEnvValue(binding: EnvBinding, raw: string): { value?: unknown; problem?: string } {
  const shown = binding.secret ? "(hidden)" : JSON.stringify(raw);
  const fail = (what: string) => ({ problem: `${binding.env}=${shown}: ${what}; fix: ${binding.fix}` });
  switch (binding.kind) {
    case "string":
      return { value: raw };
    case "int": {
      if (!/^-?\d+$/.test(raw.trim())) return fail("not a whole number");
      return { value: Number.parseInt(raw, 10) };
    }
    case "number": {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(n)) return fail("not a number");
      return { value: n };
    }
    case "bool": {
      const v = raw.trim().toLowerCase();
      if (["1", "true", "yes", "on"].includes(v)) return { value: true };
      if (["0", "false", "no", "off"].includes(v)) return { value: false };
      return fail("not true or false");
    }
    case "list":
      return { value: raw.split(",").map((s) => s.trim()).filter(Boolean) };
  }
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

function readConfigFile(env: Record<string, string | undefined>, cwd: string): { data: Record<string, unknown>; file?: string } {
  const explicit = env.TRADEKEEL_CONFIG;
  const file = explicit ? path.resolve(cwd, explicit) : path.resolve(cwd, "tradekeel.config.json");
  if (!existsSync(file)) {
    if (explicit) throw new ConfigError([`TRADEKEEL_CONFIG=${JSON.stringify(explicit)}: file not found; fix: point it at a JSON config file or unset it`]);
    return { data: {} };
  }
  try {
    const data = JSON.parse(readFileSync(file, "utf8"));
    if (typeof data !== "object" || data === null || Array.isArray(data)) {
      throw new Error("the top level must be a JSON object");
    }
    return { data, file };
  } catch (err) {
    throw new ConfigError([`config file ${file}: ${(err as Error).message}; fix: make it a valid JSON object`]);
  }
}

function secretPaths(): Set<string> {
  return new Set(ENV_BINDINGS.filter((b) => b.secret).map((b) => b.path.join(".")));
}

export function loadConfig(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): AppConfig {
  const { data, file } = readConfigFile(env, cwd);
  const merged: Record<string, unknown> = structuredClone(data);
  const problems: string[] = [];
  for (const binding of ENV_BINDINGS) {
    const raw = env[binding.env];
    if (raw === undefined || raw === "") continue;
    const { value, problem } = parseEnvValue(binding, raw);
    if (problem) problems.push(problem);
    else setPath(merged, binding.path, value);
  }
  if (env.NODE_ENV === "development") setPath(merged, ["server", "dev"], true);
  for (const section of ["server", "database", "venue", "simulator", "trading", "risk", "auth"]) {
    if (merged[section] === undefined) merged[section] = {};
  }
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const secrets = secretPaths();
    for (const issue of result.error.issues) {
      const key = issue.path.join(".");
      const binding = ENV_BINDINGS.find((b) => b.path.join(".") === key);
      const source = binding && env[binding.env] ? binding.env : file ? `${key} in ${file}` : key;
      const value = issue.path.reduce<unknown>((node, k) => (node as Record<PropertyKey, unknown>)?.[k as PropertyKey], merged);
      const shown = secrets.has(key) ? "(hidden)" : JSON.stringify(value);
      const fix = binding ? binding.fix : "see README.md, Configuration";
      problems.push(`${source}=${shown}: ${issue.message}; fix: ${fix}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return result.data!;
}
