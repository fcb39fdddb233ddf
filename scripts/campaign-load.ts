import { parseArgs } from "node:util";
import { report } from "./campaigns/lib";
import { runLoadCampaign } from "./campaigns/load";

/**
 * npm run campaign:load -- [--sockets 100] [--rest 50] [--socket-seconds 120] [--rest-seconds 60] [--url URL --token T]
 * Socket.IO delivery and REST latency under load; see scripts/campaigns/load.ts.
 * Results: bench/results/campaign-load.json. Exit code 1 when a client missed a closed candle, REST
 * p95 is 200 ms or more, or a request failed.
 */
const { values } = parseArgs({
  options: { sockets: { type: "string" }, rest: { type: "string" }, "socket-seconds": { type: "string" }, "rest-seconds": { type: "string" }, url: { type: "string" }, token: { type: "string" }, out: { type: "string" } },
});
const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
const result = await runLoadCampaign({
  sockets: num(values.sockets, 100),
  rest: num(values.rest, 50),
  socketSeconds: num(values["socket-seconds"], 120),
  restSeconds: num(values["rest-seconds"], 60),
  url: values.url,
  token: values.token ?? process.env.TRADEKEEL_API_TOKEN,
});
process.exit(report(result, values.out ?? undefined));
