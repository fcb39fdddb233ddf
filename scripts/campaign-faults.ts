import { parseArgs } from "node:util";
import { report } from "./campaigns/lib";
import { runFaultsCampaign, type FaultName } from "./campaigns/faults";

/**
 * npm run campaign:faults -- [--minutes 10] [--only ws-drops,5xx,429,latency,rejects,partial-fills]
 * Each fault in turn and all at once, live on a standalone simulator; see scripts/campaigns/faults.ts.
 * Results: bench/results/campaign-faults.json. Exit code 1 on a missing or duplicated candle, a crash,
 * a HALTED that partial fills / expiries / latency / drops caused, or no recovery.
 */
const { values } = parseArgs({ options: { minutes: { type: "string" }, only: { type: "string" }, out: { type: "string" } } });
const minutes = Number(values.minutes ?? 10);
if (!(minutes > 0)) {
  process.stderr.write("usage: npm run campaign:faults -- --minutes N [--only a,b]\n");
  process.exit(2);
}
const result = await runFaultsCampaign({ minutes, only: values.only ? (values.only.split(",") as FaultName[]) : undefined });
process.exit(report(result, values.out ?? undefined));
