/**
 * Shapes of the REST API and the Socket.IO feed as the browser sees them: all of them are the server's wire
 * contract (server/contract: zod schemas, types by z.infer, docs/api.md), re-exported here under the names
 * the UI imports. Nothing here is hand-copied from the server; UI-only types live with their components.
 * Units (as the server sends them): `*Pct` fields, `winRate` and `accuracy` are percentage points (1.5 = 1.5 %);
 * the risk usage `ratio` is a fraction 0..1.
 */
import type { Mode, OrderStatus, Timeframe } from "@/server/contract";

export type * from "@/server/contract";

export const MODES: readonly Mode[] = ["ghost", "paper", "live"];

export const TIMEFRAMES: readonly Timeframe[] = ["1m", "5m", "15m", "1h", "4h", "1d"];

export const TERMINAL_ORDER_STATUSES: readonly OrderStatus[] = ["filled", "cancelled", "rejected", "expired"];
