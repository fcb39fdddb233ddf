import { AppError, errorMessage } from "../core/errors";
import type { Logger } from "../core/logger";
import type { Prisma, PrismaClient } from "../db";
import { TIMEFRAMES, type Timeframe } from "../model/types";
import { mlModelMetricsSchema, mlModelParamsSchema, type MlModelMetrics, type MlModelParams, type MlModelRecord } from "./model";

/** The part of the Prisma client the registry uses (the ml_models table). */
export type ModelsDb = Pick<PrismaClient, "mlModel">;

/** "BTC/USDT:5m:v3": readable, and unique because (symbol, timeframe, version) is. */
export function modelIdOf(symbol: string, timeframe: Timeframe, version: number): string {
  return `${symbol}:${timeframe}:v${version}`;
}

const pairKey = (symbol: string, timeframe: string) => `${symbol}\u0000${timeframe}`;

/**
 * Trained models, versioned per symbol and timeframe. An in-memory cache (what the ml_signal strategy
 * and the insights read synchronously) backed by the ml_models table: filled from the database at
 * start (loadFrom) and written through on every training (persist).
 */
export class ModelRegistry {
  private readonly byId = new Map<string, MlModelRecord>();
  private readonly latestByPair = new Map<string, MlModelRecord>();

  get size(): number {
    return this.byId.size;
  }

  /** Adds (or replaces) a model in the cache. */
  add(record: MlModelRecord): void {
    this.byId.set(record.id, record);
    const key = pairKey(record.symbol, record.timeframe);
    const current = this.latestByPair.get(key);
    if (!current || record.version >= current.version) this.latestByPair.set(key, record);
  }

  get(id: string): MlModelRecord | undefined {
    return this.byId.get(id);
  }

  /** The newest version for a symbol and timeframe. */
  latest(symbol: string, timeframe: Timeframe): MlModelRecord | undefined {
    return this.latestByPair.get(pairKey(symbol, timeframe));
  }

  /** Newest first (by creation, then version). */
  list(filter: { symbol?: string; timeframe?: Timeframe } = {}): MlModelRecord[] {
    return [...this.byId.values()]
      .filter((m) => (!filter.symbol || m.symbol === filter.symbol) && (!filter.timeframe || m.timeframe === filter.timeframe))
      .sort((a, b) => b.createdAt - a.createdAt || b.version - a.version || a.id.localeCompare(b.id));
  }

  /** Every (symbol, timeframe) with at least one model. */
  pairs(): { symbol: string; timeframe: Timeframe }[] {
    return [...this.latestByPair.values()].map((m) => ({ symbol: m.symbol, timeframe: m.timeframe }));
  }

  clear(): void {
    this.byId.clear();
    this.latestByPair.clear();
  }

  /**
   * Loads every stored model into the cache. A row whose params or metrics do not parse (written by
   * another version, or edited by hand) is skipped and reported, never half-loaded.
   */
  async loadFrom(db: ModelsDb, logger?: Logger): Promise<{ loaded: number; skipped: { id: string; reason: string }[] }> {
    const rows = await db.mlModel.findMany({ orderBy: [{ symbol: "asc" }, { timeframe: "asc" }, { version: "asc" }] });
    const skipped: { id: string; reason: string }[] = [];
    let loaded = 0;
    for (const row of rows) {
      const record = recordFromRow(row);
      if (typeof record === "string") {
        skipped.push({ id: row.id, reason: record });
        logger?.warn({ id: row.id, reason: record }, "stored ML model skipped");
        continue;
      }
      this.add(record);
      loaded++;
    }
    return { loaded, skipped };
  }

  /**
   * Stores a new version (latest + 1) and caches it. Two trainings finishing at once for the same pair
   * collide on the unique (symbol, timeframe, version) key; the loser takes the next version.
   */
  async persist(db: ModelsDb, input: { symbol: string; timeframe: Timeframe; params: MlModelParams; metrics: MlModelMetrics; createdAt: number }): Promise<MlModelRecord> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const newest = await db.mlModel.findFirst({
        where: { symbol: input.symbol, timeframe: input.timeframe },
        orderBy: { version: "desc" },
        select: { version: true },
      });
      const version = (newest?.version ?? 0) + 1;
      const record: MlModelRecord = { id: modelIdOf(input.symbol, input.timeframe, version), version, ...input };
      try {
        await db.mlModel.create({
          data: {
            id: record.id,
            symbol: record.symbol,
            timeframe: record.timeframe,
            version,
            params: record.params as unknown as Prisma.InputJsonValue,
            metrics: record.metrics as unknown as Prisma.InputJsonValue,
            createdAt: new Date(record.createdAt),
          },
        });
      } catch (err) {
        if ((err as { code?: string }).code === "P2002") continue;
        throw new AppError("MODEL_STORE_FAILED", `could not store the ${input.symbol} ${input.timeframe} model: ${errorMessage(err)}`, 500);
      }
      this.add(record);
      return record;
    }
    throw new AppError("MODEL_STORE_FAILED", `could not allocate a version for the ${input.symbol} ${input.timeframe} model (kept colliding)`, 409);
  }

  /** Caches a model that is not stored (no database configured): the version continues the cached ones. */
  addUnstored(input: { symbol: string; timeframe: Timeframe; params: MlModelParams; metrics: MlModelMetrics; createdAt: number }): MlModelRecord {
    const version = (this.latest(input.symbol, input.timeframe)?.version ?? 0) + 1;
    const record: MlModelRecord = { id: modelIdOf(input.symbol, input.timeframe, version), version, ...input };
    this.add(record);
    return record;
  }
}

interface ModelRow {
  id: string;
  symbol: string;
  timeframe: string;
  version: number;
  params: unknown;
  metrics: unknown;
  createdAt: Date;
}

/** A record from a database row, or the reason it cannot be used. */
export function recordFromRow(row: ModelRow): MlModelRecord | string {
  if (!TIMEFRAMES.includes(row.timeframe as Timeframe)) return `unknown timeframe ${row.timeframe}`;
  const params = mlModelParamsSchema.safeParse(row.params);
  if (!params.success) return `params do not parse: ${params.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`;
  const metrics = mlModelMetricsSchema.safeParse(row.metrics);
  if (!metrics.success) return `metrics do not parse: ${metrics.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`;
  return {
    id: row.id,
    symbol: row.symbol,
    timeframe: row.timeframe as Timeframe,
    version: row.version,
    createdAt: row.createdAt.getTime(),
    params: params.data,
    metrics: metrics.data,
  };
}

/**
 * The process-wide registry. Strategy instances are created by the strategy registry, which passes only
 * params, so the ml_signal strategy finds its models here; the InsightsService fills it.
 */
export const modelRegistry = new ModelRegistry();
