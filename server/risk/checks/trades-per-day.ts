import type { RiskCheck } from "../types";
import { allow, deny } from "./verdict";

/** At most maxTradesPerDay entries per local day (the configured time zone's calendar). */
export const tradesPerDayCheck: RiskCheck = {
  id: "trades-per-day",
  appliesTo: "entry",
  description: "Maximum entries per local day.",
  evaluate({ limits, metrics }) {
    const today = metrics.entriesToday();
    if (today >= limits.maxTradesPerDay) {
      return deny("MAX_TRADES_PER_DAY", `${today} entries today already; the limit is ${limits.maxTradesPerDay} per day (${limits.timeZone})`, {
        tradesToday: today,
        maxTradesPerDay: limits.maxTradesPerDay,
      });
    }
    return allow("TRADES_PER_DAY_OK", `${today} of ${limits.maxTradesPerDay} entries used today`, { tradesToday: today });
  },
};
