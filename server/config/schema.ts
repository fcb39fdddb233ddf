import { z } from "zod";
import { riskLimitsConfigSchema } from "./risk-limits";
import { alertsConfigSchema } from "./alerts";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export const SIMULATOR_SYMBOLS = [
  "BTC/USDT",
  "ETH/USDT",
  "BNB/USDT",
  "SOL/USDT",
  "XRP/USDT",
  "ADA/USDT",
  "DOGE/USDT",
  "AVAX/USDT",
  "DOT/USDT",
  "POL/USDT",
] as const;

/** What the engine trades (TRADING_MARKET): spot pairs or USDⓈ-M perpetual futures. */
export const TRADING_MARKETS = ["spot", "futures"] as const;
export type TradingMarket = (typeof TRADING_MARKETS)[number];

/** What one process can be (issue 19): the trading engine, the dashboard and API, a backtest worker. */
export const ROLES = ["engine", "web", "worker"] as const;
export type Role = (typeof ROLES)[number];

const symbol = z.string().regex(/^[A-Z0-9]+\/[A-Z0-9]+$/, 'expected a unified symbol such as "BTC/USDT"');
/** A traded symbol: a spot pair, or (TRADING_MARKET=futures) a linear perpetual in ccxt's form BTC/USDT:USDT. */
const tradedSymbol = z.string().regex(/^[A-Z0-9]+\/[A-Z0-9]+(:[A-Z0-9]+)?$/, 'expected a unified symbol such as "BTC/USDT"');

/**
 * Every object is strict: a key the schema does not know (a misspelling such as "riks" or
 * "trading.bogus") is an error naming the key, not a setting silently ignored.
 */
export const configSchema = z.strictObject({
  server: z.strictObject({
    port: z.number().int().min(0).max(65535).default(3000),
    host: z.string().min(1).default("127.0.0.1"),
    /**
     * Extra names (or addresses) the dashboard is reached by, e.g. a reverse proxy's public name. A
     * request whose Host names anything else is refused (DNS rebinding guard, server/auth/host.ts);
     * the loopback names and the configured host are always allowed.
     */
    allowedHosts: z
      .array(
        z
          .string()
          .trim()
          .toLowerCase()
          .regex(/^(?:[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])$/, "expected a host name or address such as trade.example.com (no scheme, port or path)"),
      )
      .default([]),
    dataDir: z.string().min(1).default("./data"),
    /** The trader's strategy files (STRATEGIES_DIR): loaded at start beside the built-ins, see strategies/README.md. */
    strategiesDir: z.string().min(1).default("./strategies"),
    logLevel: z.enum(LOG_LEVELS).default("info"),
    /** production serves the built app; development runs Next with hot reload. */
    dev: z.boolean().default(false),
  }),
  database: z.strictObject({
    /** PostgreSQL URL; absent = embedded PGlite database under dataDir/db. */
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "expected a postgres:// or postgresql:// URL")
      .optional(),
  }),
  venue: z.strictObject({
    /** simulator | binance | binance-testnet | any ccxt exchange id */
    id: z.string().regex(/^[a-z0-9-]+$/, "expected simulator, binance, binance-testnet or a ccxt exchange id").default("simulator"),
    apiKey: z.string().min(1).optional(),
    secret: z.string().min(1).optional(),
    /** The venue's order-rate limits (Binance spot: 100 orders / 10 s, 200,000 / day); the order gateway keeps headroomPct free. */
    orderRateLimits: z
      .strictObject({
        per10s: z.number().int().min(1).default(100),
        perDay: z.number().int().min(1).default(200_000),
        headroomPct: z.number().min(0).max(90).default(20),
      })
      .default({ per10s: 100, perDay: 200_000, headroomPct: 20 }),
  }),
  simulator: z.strictObject({
    /** Simulated seconds per real second. */
    speed: z.number().positive().max(100_000).default(1),
    seed: z.number().int().default(42),
    symbols: z.array(symbol).min(1).default([...SIMULATOR_SYMBOLS]),
    /** Days of 1-minute history generated before "now" so strategies warm up at once. */
    historyDays: z.number().min(0).max(30).default(2),
    /** Replay this candle CSV instead of the stochastic model. */
    csv: z.string().optional(),
    /** Port for the embedded simulator (0 = any free port on loopback). */
    port: z.number().int().min(0).max(65535).default(0),
    /** Use a simulator that already runs (npm run simulator) instead of starting one in-process. */
    url: z.string().regex(/^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d+$/, "expected http://127.0.0.1:PORT (the simulator only listens on loopback)").optional(),
  }),
  trading: z.strictObject({
    mode: z.enum(["ghost", "paper", "live"]).default("paper"),
    /** With market futures, each spot pair names its linear perpetual (BTC/USDT → BTC/USDT:USDT, see load.ts). */
    symbols: z.array(tradedSymbol).min(1).default(["BTC/USDT", "ETH/USDT"]),
    quoteCurrency: z.string().default("USDT"),
    /** Starting cash of the paper and ghost ledgers, in the quote currency. */
    startingBalance: z.number().positive().default(10_000),
    /** Start the default strategy instances on a fresh database. */
    autoStart: z.boolean().default(true),
    /**
     * TRADING_MARKET (issue 15): `spot` (coins bought and sold outright, the default) or `futures`
     * (USDⓈ-M linear perpetuals: TRADING_SYMBOLS such as BTC/USDT trade as BTC/USDT:USDT, positions may
     * be short, leverage and margin apply). The venue must list linear swaps (checked in load.ts).
     */
    market: z.enum(TRADING_MARKETS, { message: "expected spot or futures" }).default("spot"),
    /**
     * TRADING_MARGIN_MODE (futures only): the margin mode the engine sets on each perpetual at the venue
     * and computes liquidation prices with: `cross` (Binance's default: the whole wallet backs every
     * position) or `isolated` (each position is backed by its own margin only). Leverage: risk.maxLeverage.
     */
    marginMode: z.enum(["cross", "isolated"], { message: "expected cross or isolated" }).default("cross"),
  }),
  /**
   * Running beyond one process (issue 19): which roles this process plays, and the Redis its backtest and
   * optimisation jobs go through (BullMQ). Without redisUrl, backtests run in worker threads as before.
   * Cross-key rules (a worker needs Redis and a shared database...) are checked in load.ts (checkCluster).
   */
  cluster: z
    .strictObject({
      roles: z
        .array(z.enum(ROLES, { message: "expected engine, web or worker" }))
        .min(1)
        .default([...ROLES])
        .transform((roles) => ROLES.filter((r) => roles.includes(r))),
      /** redis:// or rediss:// URL of the Redis holding the job queues. */
      redisUrl: z
        .string()
        .regex(/^rediss?:\/\//, "expected a redis:// or rediss:// URL")
        .optional(),
      /** Prefix of every queue key: isolates one installation's queues from another's on a shared Redis. */
      queuePrefix: z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,64}$/, "expected 1 to 64 letters, digits, '_', '.' or '-'")
        .default("tradekeel"),
      /** How long a worker's lock on a job lasts without renewal: a killed worker's job is retried after about this long. */
      jobLockMs: z.number().int().min(1_000).max(600_000).default(30_000),
      /**
       * ENGINE_STANDBY: when another engine holds the database's lock, wait as a hot standby and lead when it is
       * released (server/cluster/leadership.ts) instead of exiting. Needs PostgreSQL (DATABASE_URL).
       */
      standby: z.boolean().default(false),
    })
    .prefault({}),
  risk: riskLimitsConfigSchema,
  alerts: alertsConfigSchema,
  metrics: z
    .strictObject({
      /** A bearer token for GET /metrics only (Prometheus); API tokens work too. */
      token: z.string().min(32, "must be at least 32 characters").optional(),
    })
    .prefault({}),
  auth: z.strictObject({
    adminPassword: z.string().min(8, "must be at least 8 characters").optional(),
    apiToken: z.string().min(32, "must be at least 32 characters").optional(),
    masterKey: z.string().optional(),
  }),
});

export type AppConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
