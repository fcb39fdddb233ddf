import { parseArgs } from "node:util";
import { report } from "./campaigns/lib";
import { runCrashCampaign } from "./campaigns/crash";

/**
 * npm run campaign:crash -- [--kills 100] [--minutes 60] [--speed 1] [--seed 5]
 * Random SIGKILLs of the bot, live on a standalone simulator on loopback; see scripts/campaigns/crash.ts.
 * Results: bench/results/campaign-crash.json. Exit code 1 on any lost, duplicated, stuck or mismatched
 * order or balance, or when the kills did not all happen within --minutes.
 */
const { values } = parseArgs({ options: { kills: { type: "string" }, minutes: { type: "string" }, speed: { type: "string" }, seed: { type: "string" }, out: { type: "string" } } });
const kills = Number(values.kills ?? 100);
const minutes = Number(values.minutes ?? 60);
if (!Number.isInteger(kills) || kills < 1 || !(minutes > 0)) {
  process.stderr.write("usage: npm run campaign:crash -- --kills N (>= 1) [--minutes M] [--speed S] [--seed N]\n");
  process.exit(2);
}
const result = await runCrashCampaign({ kills, timeoutMs: minutes * 60_000, speed: values.speed ? Number(values.speed) : undefined, seed: values.seed ? Number(values.seed) : undefined });
process.exit(report(result, values.out ?? undefined));
