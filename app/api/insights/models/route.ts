import { parseQuery, route } from "@/server/http/route";
import { modelsQuery } from "@/server/ai";
import { insights } from "../service";

export const dynamic = "force-dynamic";

/** GET /api/insights/models?symbol=&timeframe=: stored model versions with their out-of-sample metrics, newest first. */
export const GET = route((req) => insights().listModels(parseQuery(req, modelsQuery)));
