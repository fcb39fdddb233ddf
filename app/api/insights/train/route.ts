import { parseBody, route } from "@/server/http/route";
import { trainBody } from "@/server/ai";
import { insights } from "../service";

export const dynamic = "force-dynamic";

/** POST /api/insights/train {symbol, timeframe}: trains, evaluates and stores a new model version; returns its metrics. */
export const POST = route(
  async (req) => {
    const body = await parseBody(req, trainBody);
    return insights().train(body.symbol, body.timeframe);
  },
  { mutation: true },
);
