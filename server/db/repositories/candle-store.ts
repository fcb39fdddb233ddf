import type { Candle, Timeframe } from "../../model/types";
import type { CandleStore } from "../../market";
import type { PrismaClient } from "../generated/client";
import { dec, num } from "./convert";

type CandleRow = Awaited<ReturnType<PrismaClient["candle"]["findMany"]>>[number];

function candleFromRow(r: CandleRow): Candle {
  return {
    symbol: r.symbol,
    timeframe: r.timeframe as Timeframe,
    openTime: r.openTime.getTime(),
    open: num(r.open),
    high: num(r.high),
    low: num(r.low),
    close: num(r.close),
    volume: num(r.volume),
    closed: true,
  };
}

/** Closed candles per venue; upserts make replays and backfills idempotent. */
export class PrismaCandleStore implements CandleStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly venueId: string,
  ) {}

  async saveClosed(candles: readonly Candle[]): Promise<void> {
    if (!candles.length) return;
    const rows = candles.map((c) => {
      if (!c.closed) throw new RangeError(`refusing to store a forming candle (${c.symbol} ${c.openTime})`);
      return {
        venue: this.venueId,
        symbol: c.symbol,
        timeframe: c.timeframe,
        openTime: new Date(c.openTime),
        open: dec(c.open),
        high: dec(c.high),
        low: dec(c.low),
        close: dec(c.close),
        volume: dec(c.volume),
      };
    });
    // createMany skips rows already stored: a closed candle never changes, so the first write wins.
    for (let i = 0; i < rows.length; i += 1000) {
      await this.prisma.candle.createMany({ data: rows.slice(i, i + 1000), skipDuplicates: true });
    }
  }

  async loadRange(symbol: string, timeframe: Timeframe, from: number, to: number, limit = 5000): Promise<Candle[]> {
    const rows = await this.prisma.candle.findMany({
      where: { venue: this.venueId, symbol, timeframe, openTime: { gte: new Date(from), lt: new Date(to) } },
      orderBy: { openTime: "asc" },
      take: limit,
    });
    return rows.map(candleFromRow);
  }

  /** The newest candles (for charts), oldest first. */
  async loadLatest(symbol: string, timeframe: Timeframe, limit: number): Promise<Candle[]> {
    const rows = await this.prisma.candle.findMany({
      where: { venue: this.venueId, symbol, timeframe },
      orderBy: { openTime: "desc" },
      take: limit,
    });
    return rows.reverse().map(candleFromRow);
  }

  async latestOpenTime(symbol: string, timeframe: Timeframe): Promise<number | undefined> {
    const row = await this.prisma.candle.findFirst({
      where: { venue: this.venueId, symbol, timeframe },
      orderBy: { openTime: "desc" },
      select: { openTime: true },
    });
    return row?.openTime.getTime();
  }
}
