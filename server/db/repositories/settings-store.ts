import type { PrismaClient } from "../generated/client";
import type { RiskStateStore, PersistedRiskState } from "../../risk";

/** Small JSON documents in the settings table (risk state per mode, ledger snapshots, UI choices). */
export class SettingsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async get<T = unknown>(key: string): Promise<T | null> {
    const row = await this.prisma.setting.findUnique({ where: { key } });
    return row ? (row.value as T) : null;
  }

  async set(key: string, value: unknown): Promise<void> {
    const json = JSON.parse(JSON.stringify(value));
    await this.prisma.setting.upsert({ where: { key }, create: { key, value: json }, update: { value: json } });
  }

  riskStateStore(mode: string): RiskStateStore {
    const key = `risk-state:${mode}`;
    return {
      load: () => this.get(key),
      save: (state: PersistedRiskState) => this.set(key, state),
    };
  }
}
