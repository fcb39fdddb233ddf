import type { BacktestService } from "@/server/backtest";
import { AppError } from "@/server/core/errors";
import { services } from "@/server/http/route";

/** The backtest service the composition root (server/app.ts) built. */
export function backtests(): BacktestService {
  const found = services().backtests;
  if (!found) throw new AppError("NOT_READY", "the backtest service is starting; try again in a moment", 503);
  return found;
}
