import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { report, RESULTS_DIR, table, type CampaignResult } from "./campaigns/lib";
import { runCrashCampaign } from "./campaigns/crash";

/**
 * npm run campaign:crash -- [--kills 100] [--minutes 60] [--speed 1] [--seed 5]
 * Random SIGKILLs of the bot, live on a standalone simulator on loopback; see scripts/campaigns/crash.ts.
 * Results: bench/results/campaign-crash.json (date, commit, checks, every round) and beside it
 * campaign-crash.md (the summary table: kills, restart p50/p95/max, lost/duplicated/stuck/mismatched,
 * failures); with --out FILE.json, FILE.md beside it. Exit code 1 on any lost, duplicated, stuck or mismatched
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
const out = values.out ?? path.join(RESULTS_DIR, "campaign-crash.json");
const code = report(result, out);
const summary = summaryText(result);
const mdPath = out.replace(/\.json$/, "") + ".md";
mkdirSync(path.dirname(mdPath), { recursive: true });
writeFileSync(mdPath, summary);
process.stdout.write(`summary: ${path.relative(process.cwd(), mdPath)}\n`);
process.exit(code);

/** The summary as a person reads it: when, which commit, the checks, the failures. */
function summaryText(r: CampaignResult): string {
  const commit = (r as CampaignResult & { commit?: { sha: string | null; dirty: boolean | null } }).commit;
  const failures = ((r.details.failures as string[] | undefined) ?? []).map((f) => `- ${f.split("\n")[0]}`);
  return [
    `# campaign:crash: ${r.ok ? "PASS" : "FAIL"}`,
    "",
    `- date: ${r.startedAt} (${r.durationS} s)`,
    `- commit: ${commit?.sha ?? "unknown"}${commit?.dirty ? " + local changes" : ""}`,
    `- parameters: ${JSON.stringify(r.parameters)}`,
    `- machine: ${JSON.stringify(r.machine)}`,
    `- kills with orders open at the venue: ${String(r.details.killsWithOrdersOpenAtVenue ?? "-")}`,
    "",
    "```",
    table(r.checks.map((c) => ({ check: c.name, value: c.value, target: c.target, result: c.ok ? "ok" : "FAIL" }))).trimEnd(),
    "```",
    "",
    failures.length ? "## Failures\n\n" + failures.join("\n") : "No failures.",
    "",
  ].join("\n");
}
