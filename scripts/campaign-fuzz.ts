import { parseArgs } from "node:util";
import { report } from "./campaigns/lib";
import { runFuzzCampaign } from "./campaigns/fuzz";

/**
 * npm run campaign:fuzz -- [--url http://127.0.0.1:3000 --token TOKEN] [--short] [--minutes 40]
 * Every mutating route with hostile input; see scripts/campaigns/fuzz.ts. In-process by default (the
 * real application and route handlers, throwaway DATA_DIR); --url targets a running server on loopback.
 * Results: bench/results/campaign-fuzz.json. Exit code 1 on any 5xx, crash or echoed markup.
 */
const { values } = parseArgs({ options: { url: { type: "string" }, token: { type: "string" }, short: { type: "boolean" }, minutes: { type: "string" }, out: { type: "string" } } });
const minutes = Number(values.minutes ?? 40);
const result = await runFuzzCampaign({ url: values.url, token: values.token ?? process.env.TRADEKEEL_API_TOKEN, depth: values.short ? "short" : "full", timeoutMs: minutes * 60_000 });
process.exit(report(result, values.out ?? undefined));
