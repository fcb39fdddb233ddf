import { z } from "zod";
import type { KernelMode } from "../model/types";
import type { LedgerIdSource, LedgerState } from "../portfolio";
import type { RiskClosedTrade, RiskEntryRecord } from "../risk";
import type { TradeOrigin } from "./fill-booker";

/**
 * A ledger snapshot: the ledger (Ledger.toJSON), its id counters and the fill booker's state, valid
 * through one stored fill (`throughSeq`, and the dust moves of that fill applied so far). After a
 * restart the ledger is Ledger.fromJSON(snapshot) and only the fills stored after it are replayed,
 * so start-up time no longer grows with the history. Taken periodically and on shutdown, and only
 * when the booker has seen exactly the fills stored through `throughSeq` (no fill in between).
 */
export interface LedgerSnapshot {
  version: 1;
  mode: KernelMode;
  throughSeq: string;
  /** Dust moves already applied of the fill at throughSeq (later ones are replayed). */
  dustMovesApplied: number;
  /** Stored fills the booker has seen (booked or refused) through throughSeq. */
  attempts: number;
  ids: { positions: number; trades: number };
  ledger: LedgerState;
  origins: Array<[string, TradeOrigin]>;
  recentClosedTrades: RiskClosedTrade[];
  recentEntries: RiskEntryRecord[];
  takenAt: number;
}

const snapshotShape = z.object({
  version: z.literal(1),
  mode: z.string(),
  throughSeq: z.string().regex(/^\d+$/),
  dustMovesApplied: z.number().int().min(0),
  attempts: z.number().int().min(0),
  ids: z.object({ positions: z.number().int().min(0), trades: z.number().int().min(0) }),
  ledger: z.record(z.string(), z.unknown()),
  origins: z.array(z.tuple([z.string(), z.object({ entryOrderId: z.string(), signalId: z.string().optional() })])),
  recentClosedTrades: z.array(z.object({ symbol: z.string(), pnl: z.number(), closedAt: z.number(), exitReason: z.string() }).passthrough()),
  recentEntries: z.array(z.object({ clientOrderId: z.string(), symbol: z.string(), at: z.number() })),
  takenAt: z.number(),
});

/** A stored snapshot of this mode, or null when there is none or it cannot be read (then everything is replayed). */
export function parseLedgerSnapshot(raw: unknown, mode: KernelMode): LedgerSnapshot | null {
  const parsed = snapshotShape.safeParse(raw);
  if (!parsed.success || parsed.data.mode !== mode) return null;
  return parsed.data as unknown as LedgerSnapshot;
}

/**
 * sequentialLedgerIds with counters that can be read and resumed: a ledger restored from a snapshot
 * goes on numbering positions and trades where it stopped, as a full replay would.
 */
export function countingLedgerIds(prefix: string, start: { positions: number; trades: number } = { positions: 0, trades: 0 }): LedgerIdSource & { counters(): { positions: number; trades: number } } {
  let positions = start.positions;
  let trades = start.trades;
  const id = (kind: string, n: number) => `${prefix}${kind}-${n.toString().padStart(8, "0")}`;
  return {
    positionId: () => id("pos", ++positions),
    tradeId: () => id("trd", ++trades),
    counters: () => ({ positions, trades }),
  };
}
