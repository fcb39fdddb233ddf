import { route } from "@/server/http/route";
import { backtests } from "../backtest-service";

export const dynamic = "force-dynamic";

/** GET /api/backtests/{id}: status, progress while it runs, the full result once completed. */
export const GET = route(async (_req, ctx) => backtests().get((await ctx.params).id));

/** DELETE /api/backtests/{id}: cancel it if it is queued or running, and delete the record. */
export const DELETE = route(async (_req, ctx) => backtests().remove((await ctx.params).id));
