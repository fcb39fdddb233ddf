import type { RiskCheck } from "../types";
import { allow, deny } from "./verdict";

/** No entries during the configured UTC hours (e.g. around daily funding or maintenance windows). */
export const blackoutHoursCheck: RiskCheck = {
  id: "blackout-hours",
  appliesTo: "entry",
  description: "No entries during blackout hours (UTC).",
  evaluate({ now, limits }) {
    const hour = new Date(now).getUTCHours();
    if (limits.blackoutHoursUtc.includes(hour)) {
      const h = String(hour).padStart(2, "0");
      return deny("BLACKOUT_HOUR", `entries are blocked from ${h}:00 to ${h}:59 UTC (blackout hour)`, { hourUtc: hour });
    }
    return allow("OUTSIDE_BLACKOUT", `hour ${hour} UTC is not a blackout hour`, { hourUtc: hour });
  },
};
