import type { AppConfig } from "../config";

/**
 * Why a process with the engine or the web role alone cannot start, or undefined. The two reach each
 * other through Redis (commands, feed, status) and share their state in PostgreSQL (the embedded
 * database belongs to one process); the message names the key and the fix.
 */
export function clusterStartProblem(config: AppConfig): string | undefined {
  const { roles, redisUrl } = config.cluster;
  const role = roles.includes("engine") ? "an engine apart from its web nodes (ROLE=engine)" : "a web node apart from the engine (ROLE=web)";
  if (!redisUrl) {
    return `${role} reaches the other side through Redis, and REDIS_URL is not set; fix: set REDIS_URL=redis://host:6379 (the same on the engine and every web node), or run both in one process (unset ROLE, or ROLE=engine,web)`;
  }
  if (!config.database.url) {
    return `${role} shares its state with the other side in PostgreSQL, and DATABASE_URL is not set (the embedded database in DATA_DIR belongs to one process); fix: set DATABASE_URL=postgresql://user:password@host:5432/db (the same on every process), or unset ROLE`;
  }
  return undefined;
}
