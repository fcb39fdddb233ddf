import { alertLogQuerySchema, alertService } from "@/server/alerts";
import { parseQuery, route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** GET /api/alerts?limit=&before=&kind=&severity= → `{ items }`: the alert log, newest first. */
export const GET = route(async (req) => ({ items: await alertService().log(parseQuery(req, alertLogQuerySchema)) }));
