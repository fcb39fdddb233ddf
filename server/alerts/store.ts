import type { PrismaClient } from "../db";
import type { SecretBox } from "../auth";
import type { AlertChannel, AlertKind, AlertLogEntry, AlertSeverity, AlertStore, ChannelRouting } from "./types";

/**
 * The alert log and the channels added in Settings. A channel's secrets (bot token, SMTP password,
 * webhook secret) are sealed as one JSON object with the master key, like exchange keys.
 */
export function createPrismaAlertStore(prisma: PrismaClient, box: SecretBox): AlertStore {
  const toEntry = (r: Awaited<ReturnType<PrismaClient["alertLog"]["findFirst"]>> & object): AlertLogEntry => ({
    id: r.id,
    at: r.at.getTime(),
    kind: r.kind as AlertKind,
    severity: r.severity as AlertSeverity,
    title: r.title,
    text: r.text,
    key: r.key,
    deliveries: r.deliveries as unknown as AlertLogEntry["deliveries"],
    repeats: r.repeats,
    data: (r.data ?? {}) as Record<string, unknown>,
    ...(typeof (r.data as { mode?: unknown })?.mode === "string" ? { mode: (r.data as { mode: AlertLogEntry["mode"] }).mode } : {}),
  });
  return {
    async appendLog(e) {
      await prisma.alertLog.create({
        data: { id: e.id, at: new Date(e.at), kind: e.kind, severity: e.severity, title: e.title, text: e.text, key: e.key, deliveries: e.deliveries as object[], repeats: e.repeats, data: { ...e.data, ...(e.mode ? { mode: e.mode } : {}) } as object },
      });
    },
    async updateLog(id, patch) {
      await prisma.alertLog.update({ where: { id }, data: { deliveries: patch.deliveries as object[], repeats: patch.repeats } });
    },
    async listLog(q) {
      const rows = await prisma.alertLog.findMany({
        where: { kind: q.kind, severity: q.severity, at: q.before !== undefined ? { lt: new Date(q.before) } : undefined },
        orderBy: { at: "desc" },
        take: q.limit,
      });
      return rows.map(toEntry);
    },
    async lastOfKind(kind) {
      const row = await prisma.alertLog.findFirst({ where: { kind }, orderBy: { at: "desc" } });
      return row ? toEntry(row) : null;
    },
    async listChannels() {
      const rows = await prisma.alertChannel.findMany({ orderBy: { createdAt: "asc" } });
      return rows.map(
        (r) =>
          ({
            id: r.id,
            kind: r.kind,
            name: r.name,
            enabled: r.enabled,
            source: "settings",
            settings: r.settings,
            secrets: r.secretsEnc ? JSON.parse(box.open(r.secretsEnc, `the secrets of alert channel "${r.name}"`)) : {},
            routing: r.routing as unknown as ChannelRouting,
          }) as unknown as AlertChannel,
      );
    },
    async saveChannel(c) {
      const data = {
        kind: c.kind,
        name: c.name,
        enabled: c.enabled,
        settings: c.settings as object,
        secretsEnc: Object.values(c.secrets).some((v) => v) ? box.seal(JSON.stringify(c.secrets)) : null,
        routing: c.routing as object,
      };
      await prisma.alertChannel.upsert({ where: { id: c.id }, create: { id: c.id, ...data }, update: data });
    },
    async deleteChannel(id) {
      const { count } = await prisma.alertChannel.deleteMany({ where: { id } });
      return count > 0;
    },
  };
}

/** The same contract in memory (tests, and a service without a database). */
export function createMemoryAlertStore(): AlertStore & { log: AlertLogEntry[] } {
  const log: AlertLogEntry[] = [];
  const channels = new Map<string, AlertChannel>();
  return {
    log,
    async appendLog(e) {
      log.push(structuredClone(e));
    },
    async updateLog(id, patch) {
      const found = log.find((e) => e.id === id);
      if (found) Object.assign(found, structuredClone(patch));
    },
    async listLog(q) {
      return log
        .filter((e) => (!q.kind || e.kind === q.kind) && (!q.severity || e.severity === q.severity) && (q.before === undefined || e.at < q.before))
        .sort((a, b) => b.at - a.at)
        .slice(0, q.limit)
        .map((e) => structuredClone(e));
    },
    async lastOfKind(kind) {
      const found = log.filter((e) => e.kind === kind).sort((a, b) => b.at - a.at)[0];
      return found ? structuredClone(found) : null;
    },
    async listChannels() {
      return [...channels.values()].map((c) => structuredClone(c));
    },
    async saveChannel(c) {
      channels.set(c.id, structuredClone(c));
    },
    async deleteChannel(id) {
      return channels.delete(id);
    },
  };
}
