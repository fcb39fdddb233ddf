import { existsSync, readFileSync, realpathSync, statSync, statfsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { perpSymbol } from "../futures";
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
  { env: "ALLOWED_HOSTS", path: ["server", "allowedHosts"], kind: "list", fix: "a comma-separated list of host names such as trade.example.com,tradekeel.lan (no scheme or port)" },
  { env: "DATA_DIR", path: ["server", "dataDir"], kind: "string", fix: "set DATA_DIR to a writable folder" },
  { env: "STRATEGIES_DIR", path: ["server", "strategiesDir"], kind: "string", fix: "set STRATEGIES_DIR to the folder of your strategy files, e.g. ./strategies" },
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
  { env: "TRADING_MARKET", path: ["trading", "market"], kind: "string", fix: "use spot (the default) or futures (USDⓈ-M perpetuals)" },
  { env: "TRADING_MARGIN_MODE", path: ["trading", "marginMode"], kind: "string", fix: "use cross (the default) or isolated; it applies with TRADING_MARKET=futures" },
  { env: "TRADING_SYMBOLS", path: ["trading", "symbols"], kind: "list", fix: "a comma-separated list such as BTC/USDT,ETH/USDT" },
  { env: "STARTING_BALANCE", path: ["trading", "startingBalance"], kind: "number", fix: "the paper account's starting cash, e.g. 10000" },
  { env: "AUTO_START", path: ["trading", "autoStart"], kind: "bool", fix: "true or false" },
  { env: "ADMIN_PASSWORD", path: ["auth", "adminPassword"], kind: "string", secret: true, fix: "use a password of at least 8 characters" },
  { env: "TRADEKEEL_API_TOKEN", path: ["auth", "apiToken"], kind: "string", secret: true, fix: "use a random token of at least 32 characters (e.g. openssl rand -hex 32)" },
  { env: "TRADEKEEL_MASTER_KEY", path: ["auth", "masterKey"], kind: "string", secret: true, fix: "64 hex characters (openssl rand -hex 32), or unset it to use a key file" },
  { env: "ALERT_WEBHOOK_URL", path: ["alerts", "webhook", "url"], kind: "string", fix: "an http(s) URL that accepts a JSON POST, or unset it" },
  { env: "ALERT_WEBHOOK_SECRET", path: ["alerts", "webhook", "secret"], kind: "string", secret: true, fix: "a random secret of at least 16 characters (openssl rand -hex 32); the receiver checks X-Tradekeel-Signature with it" },
  { env: "TELEGRAM_BOT_TOKEN", path: ["alerts", "telegram", "botToken"], kind: "string", secret: true, fix: "the token @BotFather gave you, e.g. 123456:ABC-DEF…" },
  { env: "TELEGRAM_CHAT_IDS", path: ["alerts", "telegram", "chatIds"], kind: "list", fix: "comma-separated numeric chat ids (send /start to the bot, then read getUpdates), e.g. 123456789" },
  { env: "TELEGRAM_API_ROOT", path: ["alerts", "telegram", "apiRoot"], kind: "string", fix: "the Bot API server, https://api.telegram.org by default" },
  { env: "SMTP_HOST", path: ["alerts", "email", "host"], kind: "string", fix: "the SMTP server's host name, e.g. smtp.example.com" },
  { env: "SMTP_PORT", path: ["alerts", "email", "port"], kind: "int", fix: "the SMTP port: 587 (STARTTLS), 465 (TLS) or 25" },
  { env: "SMTP_SECURE", path: ["alerts", "email", "secure"], kind: "bool", fix: "true for TLS from the start (port 465), false for STARTTLS" },
  { env: "SMTP_USER", path: ["alerts", "email", "user"], kind: "string", fix: "the SMTP user name, or unset it for no authentication" },
  { env: "SMTP_PASSWORD", path: ["alerts", "email", "password"], kind: "string", secret: true, fix: "the SMTP password, or unset it" },
  { env: "SMTP_FROM", path: ["alerts", "email", "from"], kind: "string", fix: "the sender address, e.g. tradekeel@example.com" },
  { env: "ALERT_EMAIL_TO", path: ["alerts", "email", "to"], kind: "list", fix: "comma-separated recipient addresses" },
  { env: "ALERT_QUIET_HOURS", path: ["alerts", "quietHours"], kind: "string", fix: "HH:MM-HH:MM in alerts.timeZone, e.g. 23:00-07:00 (critical alerts still go out)" },
  { env: "ROLE", path: ["cluster", "roles"], kind: "list", fix: "a comma-separated list of engine, web and worker, e.g. ROLE=engine,web or ROLE=worker (unset: all three in one process)" },
  { env: "REDIS_URL", path: ["cluster", "redisUrl"], kind: "string", secret: true, fix: "use redis://host:6379 (rediss:// for TLS), or unset it to run backtests in worker threads" },
  { env: "TRADEKEEL_QUEUE_PREFIX", path: ["cluster", "queuePrefix"], kind: "string", fix: "a short name such as tradekeel or tradekeel-desk2 (letters, digits, _ . -)" },
  { env: "ENGINE_STANDBY", path: ["cluster", "standby"], kind: "bool", fix: "true to wait as a hot standby while another engine leads, or false (the default: a second engine on the database exits)" },
  { env: "TRADEKEEL_JOB_LOCK_MS", path: ["cluster", "jobLockMs"], kind: "int", fix: "milliseconds a worker's job lock lasts, 1000 to 600000 (default 30000)" },
  { env: "METRICS_TOKEN", path: ["metrics", "token"], kind: "string", secret: true, fix: "a random token of at least 32 characters (openssl rand -hex 32) for Prometheus" },
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
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) problems.push(unknownKeyProblem([...issue.path.map(String), key], file));
        continue;
      }
      const key = issue.path.join(".");
      // The binding whose value this is (for a list, the issue is at one item: trading.symbols.0).
      const binding = ENV_BINDINGS.find((b) => b.path.every((k, i) => String(issue.path[i]) === k));
      const fromEnv = binding !== undefined && env[binding.env] !== undefined && env[binding.env] !== "";
      if (fromEnv) {
        // A list is shown as it was written (the variable's text); anything else as it was read.
        const shown = binding.secret ? "(hidden)" : JSON.stringify(binding.kind === "list" ? env[binding.env] : valueAt(merged, binding.path));
        const rest = issue.path.slice(binding.path.length);
        const item =
          binding.kind === "list" && typeof rest[0] === "number"
            ? `item ${rest[0] + 1} (${binding.secret ? "hidden" : JSON.stringify(valueAt(merged, issue.path))}): `
            : "";
        problems.push(`${binding.env}=${shown}: ${item}${issue.message}; fix: ${binding.fix}`);
        continue;
      }
      const source = file ? `${key} in ${file}` : key;
      const shown = secrets.has(key) ? "(hidden)" : JSON.stringify(valueAt(merged, issue.path));
      const fix = binding && binding.path.length === issue.path.length ? binding.fix : "see README.md, Configuration";
      problems.push(`${source}=${shown}: ${issue.message}; fix: ${fix}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  const config = result.data!;
  // Futures trade each pair's linear perpetual: BTC/USDT → BTC/USDT:USDT (ccxt's unified swap symbol).
  if (config.trading.market === "futures") config.trading.symbols = config.trading.symbols.map(perpSymbol);
  const clusterProblems = [...checkCluster(config, env, file), ...checkMarket(config, env, file)];
  if (clusterProblems.length) throw new ConfigError(clusterProblems);
  const dataDirProblem = checkDataDir(path.resolve(cwd, config.server.dataDir));
  if (dataDirProblem) {
    const inFile = file && valueAt(data, ["server", "dataDir"]) !== undefined;
    const source = env.DATA_DIR ? "DATA_DIR" : inFile ? `server.dataDir in ${file}` : "DATA_DIR (default)";
    throw new ConfigError([`${source}=${JSON.stringify(config.server.dataDir)}: ${dataDirProblem}; fix: set DATA_DIR to a writable folder, e.g. ./data`]);
  }
  return config;
}

function valueAt(root: unknown, keys: readonly PropertyKey[]): unknown {
  return keys.reduce<unknown>((node, k) => (node as Record<PropertyKey, unknown>)?.[k], root);
}

/** The object schema at `keys` (undefined past a leaf). */
function objectSchemaAt(keys: readonly string[]): z.ZodObject | undefined {
  let node: z.ZodType = configSchema;
  for (const key of keys) {
    if (!(node instanceof z.ZodObject)) return undefined;
    node = node.shape[key];
    while (node instanceof z.ZodDefault || node instanceof z.ZodPrefault || node instanceof z.ZodOptional || node instanceof z.ZodNullable) node = node.unwrap() as z.ZodType;
  }
  return node instanceof z.ZodObject ? node : undefined;
}

function unknownKeyProblem(keys: string[], file: string | undefined): string {
  const name = keys.join(".");
  const parent = keys.slice(0, -1);
  const known = Object.keys(objectSchemaAt(parent)?.shape ?? {});
  const guess = closest(keys[keys.length - 1], known);
  const where = file ? ` in ${file}` : "";
  const section = parent.length ? `"${parent.join(".")}"` : "the top level";
  const fix = guess
    ? `did you mean "${[...parent, guess].join(".")}"? Correct the spelling or remove the key`
    : `remove it; the keys of ${section} are ${known.join(", ")} (see README.md, Configuration)`;
  return `${name}${where}: unknown key; fix: ${fix}`;
}

/** The known key nearest to `key` (case-insensitive edit distance ≤ a third of its length), if any. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  return best && best.distance <= Math.max(1, Math.floor(best.key.length / 3)) ? best.key : undefined;
}

/** Edit distance counting a swap of two neighbours as one edit ("riks" → "risk" is 1). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * Linux pseudo file systems that can never hold a data directory. (Node's recursive mkdir spins
 * forever under /proc instead of failing, which is why this is checked before anything is created.)
 */
const PSEUDO_FS_TYPES = new Map<number, string>([
  [0x9fa0, "proc"],
  [0x62656572, "sysfs"],
  [0x27e0eb, "cgroup"],
  [0x63677270, "cgroup2"],
  [0x64626720, "debugfs"],
  [0x74726163, "tracefs"],
  [0x73636673, "securityfs"],
]);

/** Why `dir` cannot be a data directory, or undefined if it may be (creating it can still fail later). */
export function checkDataDir(dir: string): string | undefined {
  // The nearest part of the path that exists decides where the folder would be created.
  let existing = dir;
  while (!existsSync(existing)) {
    const parent = path.dirname(existing);
    if (parent === existing) return undefined;
    existing = parent;
  }
  let real: string;
  try {
    real = realpathSync(existing);
    if (!statSync(real).isDirectory()) return existing === dir ? "is a file, not a folder" : `${existing} is a file, not a folder`;
  } catch {
    return undefined; // unreadable: opening the database reports it with its own message
  }
  const resolved = path.join(real, path.relative(existing, dir));
  for (const root of ["/proc", "/sys"]) {
    if (process.platform === "linux" && (resolved === root || resolved.startsWith(`${root}/`))) {
      return `${resolved} is under ${root}, a virtual file system of the kernel where no data can be stored`;
    }
  }
  if (process.platform === "linux") {
    try {
      const kind = PSEUDO_FS_TYPES.get(Number(statfsSync(real).type));
      if (kind) return `${real} is on a ${kind} file system (a view of the kernel), where no data can be stored`;
    } catch {
      // statfs unavailable: the path check above has to do
    }
  }
  return undefined;
}

/**
 * TRADING_MARKET against the venue (issue 15): futures are USDⓈ-M linear perpetuals, which the built-in
 * simulator (its /fapi side), binanceusdm and other ccxt venues with linear swaps list. Binance's spot
 * ids (binance, binance-testnet) do not: their futures are the ccxt exchange binanceusdm. A ccxt venue
 * without linear swaps is found when its markets load (server/composition/venue.ts).
 */
export function checkMarket(config: AppConfig, env: Record<string, string | undefined> = {}, file?: string): string[] {
  const marketKey = env.TRADING_MARKET ? `TRADING_MARKET=${JSON.stringify(env.TRADING_MARKET)}` : file ? `trading.market in ${file}` : "TRADING_MARKET";
  if (config.trading.market !== "futures") {
    const perps = config.trading.symbols.filter((s) => s.includes(":"));
    if (perps.length === 0) return [];
    const symbolsKey = env.TRADING_SYMBOLS ? "TRADING_SYMBOLS" : file ? `trading.symbols in ${file}` : "TRADING_SYMBOLS";
    return [`${symbolsKey}: ${perps.join(", ")} ${perps.length > 1 ? "are perpetuals" : "is a perpetual"} and ${marketKey} is spot; fix: set TRADING_MARKET=futures, or name the spot pair (${perps.map((s) => s.slice(0, s.indexOf(":"))).join(", ")})`];
  }
  const quote = config.trading.quoteCurrency;
  const foreign = config.trading.symbols.filter((s) => (s.includes(":") ? s.slice(s.indexOf(":") + 1) : s.slice(s.indexOf("/") + 1)) !== quote);
  if (foreign.length > 0) return [`${marketKey}: futures are USDⓈ-M perpetuals settled in ${quote}, and TRADING_SYMBOLS has ${foreign.join(", ")}; fix: trade ${quote} pairs such as BTC/${quote}, or TRADING_MARKET=spot`];
  const venueId = config.venue.id;
  if (venueId !== "binance" && venueId !== "binance-testnet") return [];
  const venueKey = env.VENUE ? `VENUE=${JSON.stringify(env.VENUE)}` : file ? `venue.id in ${file}` : "VENUE";
  return [
    `${marketKey}: futures are USDⓈ-M perpetuals, and ${venueKey} is Binance's spot market (its futures are the ccxt exchange binanceusdm); fix: set VENUE=binanceusdm${venueId === "binance-testnet" ? " (with testnet keys)" : ""} for Binance USDⓈ-M futures, VENUE=simulator for the built-in simulator, or TRADING_MARKET=spot`,
  ];
}

/**
 * Rules across keys for running beyond one process (issue 19). Jobs on Redis are run by workers that may
 * be other processes or machines: they store results in the database, so the database must be one they
 * can all open (PostgreSQL; the embedded one belongs to one process). A web node without the engine
 * reaches it through Redis. Every problem names the keys and the fix.
 */
export function checkCluster(config: AppConfig, env: Record<string, string | undefined> = {}, file?: string): string[] {
  const { roles, redisUrl } = config.cluster;
  const has = (r: "engine" | "web" | "worker") => roles.includes(r);
  const roleKey = env.ROLE ? `ROLE=${JSON.stringify(env.ROLE)}` : file ? `cluster.roles in ${file}` : "ROLE";
  const problems: string[] = [];
  const allInOne = has("engine") && has("web") && has("worker");
  if (has("worker") && !allInOne && !redisUrl) {
    problems.push(
      `${roleKey}: a worker apart from the engine and web roles pulls its backtest jobs from Redis, and REDIS_URL is not set; fix: set REDIS_URL=redis://host:6379 and DATABASE_URL=postgresql://… (the PostgreSQL the engine uses), or unset ROLE to run everything in one process`,
    );
  } else if (has("worker") && !allInOne && !config.database.url) {
    problems.push(
      `${roleKey}: a worker stores results in a database every process can open, and DATABASE_URL is not set (the embedded database in DATA_DIR belongs to one process); fix: set DATABASE_URL=postgresql://user:password@host:5432/db, the same as the engine's`,
    );
  }
  if (redisUrl && !config.database.url && (allInOne || !has("worker"))) {
    problems.push(
      "REDIS_URL=(hidden): backtest jobs on Redis are run by workers on any machine, which store results in the database, and DATABASE_URL is not set (the embedded database in DATA_DIR belongs to one process); fix: set DATABASE_URL=postgresql://user:password@host:5432/db, or unset REDIS_URL to run backtests in worker threads",
    );
  }
  if (config.cluster.standby && !config.database.url) {
    const key = env.ENGINE_STANDBY !== undefined ? `ENGINE_STANDBY=${JSON.stringify(env.ENGINE_STANDBY)}` : file ? `cluster.standby in ${file}` : "ENGINE_STANDBY";
    problems.push(`${key}: engines elect their leader with a lock in the PostgreSQL they share, and DATABASE_URL is not set (the embedded database belongs to one process); fix: set DATABASE_URL=postgresql://user:password@host:5432/db on every engine, or unset ENGINE_STANDBY`);
  } else if (config.cluster.standby && !has("engine")) {
    problems.push(`ENGINE_STANDBY applies to an engine, and ${roleKey} has no engine role; fix: add engine to ROLE, or unset ENGINE_STANDBY`);
  }
  if (has("web") && !has("engine") && !redisUrl) {
    problems.push(`${roleKey}: a web node without the engine reaches it through Redis, and REDIS_URL is not set; fix: set REDIS_URL=redis://host:6379, or add engine to ROLE (e.g. ROLE=engine,web)`);
  }
  return problems;
}
