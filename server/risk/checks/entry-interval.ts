import type { RiskCheck } from "../types";
import { allow, deny } from "./verdict";

/** A minimum time between two entries on any symbol, so a misfiring strategy cannot burst orders. */
export const entryIntervalCheck: RiskCheck = {
  id: "entry-interval",
  appliesTo: "entry",
  description: "Minimum time between two entries (any symbol).",
  evaluate({ now, limits, metrics }) {
    const last = metrics.lastEntryAt();
    const minMs = limits.minEntryIntervalSec * 1000;
    if (last === null || minMs === 0) return allow("ENTRY_INTERVAL_OK", "no recent entry");
    const elapsedSec = (now - last) / 1000;
    if (now - last < minMs) {
      const waitSec = Math.ceil((minMs - (now - last)) / 1000);
      return deny(
        "ENTRY_INTERVAL",
        `last entry was ${elapsedSec.toFixed(0)} s ago; entries must be ${limits.minEntryIntervalSec} s apart (wait ${waitSec} s)`,
        { elapsedSec, minEntryIntervalSec: limits.minEntryIntervalSec, waitSec },
      );
    }
    return allow("ENTRY_INTERVAL_OK", `last entry was ${elapsedSec.toFixed(0)} s ago`, { elapsedSec });
  },
};
