import type { PrismaClient } from "../generated/client";
import type { KernelMode } from "../../model/types";
import { replayEntryFromRow } from "./order-store";

/** Stored fills of a mode in insertion order (fills.seq), for rebuilding a ledger after a restart. */
export class FillReplayRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Fills with seq >= fromSeq (all when omitted), oldest first, with their order and dust moves. */
  async entriesFrom(mode: KernelMode, fromSeq?: bigint) {
    const rows = await this.prisma.fill.findMany({
      where: { order: { mode }, ...(fromSeq !== undefined ? { seq: { gte: fromSeq } } : {}) },
      orderBy: { seq: "asc" },
      include: { order: true },
    });
    return rows.map((row) => ({ seq: row.seq, ...replayEntryFromRow(row) }));
  }

  /** The newest fill of the mode: its seq and how many dust moves are stored with it. */
  async latest(mode: KernelMode): Promise<{ seq: bigint; dustMoves: number } | null> {
    const row = await this.prisma.fill.findFirst({ where: { order: { mode } }, orderBy: { seq: "desc" }, select: { seq: true, dustMoves: true } });
    return row ? { seq: row.seq, dustMoves: Array.isArray(row.dustMoves) ? row.dustMoves.length : 0 } : null;
  }

  async countThrough(mode: KernelMode, seq: bigint): Promise<number> {
    return this.prisma.fill.count({ where: { order: { mode }, seq: { lte: seq } } });
  }
}
