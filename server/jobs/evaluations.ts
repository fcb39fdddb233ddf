import type { Evaluation } from "../backtest";
import type { PrismaClient } from "../db";

/**
 * Evaluated optimisation parameter sets (table optimisation_evaluations), keyed by run id + set index.
 * A write is an insert that skips an existing key: a job retried after its worker died (or a stalled
 * worker that finishes late) never adds a second row, and every reader gets the first write.
 */

export interface StoredEvaluation {
  runId: string;
  setIndex: number;
  evaluation: Evaluation;
  worker: string;
  attempt: number;
}

export class EvaluationStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** Store the set's evaluation unless it is stored already; returns the stored one (the first write). */
  async record(entry: StoredEvaluation): Promise<{ stored: StoredEvaluation; inserted: boolean }> {
    const { count } = await this.prisma.optimisationEvaluation.createMany({
      data: [{ runId: entry.runId, setIndex: entry.setIndex, evaluation: JSON.parse(JSON.stringify(entry.evaluation)), worker: entry.worker, attempt: entry.attempt }],
      skipDuplicates: true,
    });
    const stored = await this.get(entry.runId, entry.setIndex);
    if (!stored) throw new Error(`optimisation ${entry.runId} set ${entry.setIndex}: the stored evaluation vanished`);
    return { stored, inserted: count === 1 };
  }

  async get(runId: string, setIndex: number): Promise<StoredEvaluation | undefined> {
    const row = await this.prisma.optimisationEvaluation.findUnique({ where: { runId_setIndex: { runId, setIndex } } });
    return row ? toStored(row) : undefined;
  }

  async list(runId: string): Promise<StoredEvaluation[]> {
    const rows = await this.prisma.optimisationEvaluation.findMany({ where: { runId }, orderBy: { setIndex: "asc" } });
    return rows.map(toStored);
  }

  async deleteRun(runId: string): Promise<number> {
    const { count } = await this.prisma.optimisationEvaluation.deleteMany({ where: { runId } });
    return count;
  }
}

function toStored(row: { runId: string; setIndex: number; evaluation: unknown; worker: string; attempt: number }): StoredEvaluation {
  return { runId: row.runId, setIndex: row.setIndex, evaluation: row.evaluation as Evaluation, worker: row.worker, attempt: row.attempt };
}
