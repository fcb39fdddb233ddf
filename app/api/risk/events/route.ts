import { route, app, parseQuery } from "@/server/http/route";
import { riskEventsQuery } from "@/server/application";

export const dynamic = "force-dynamic";

export const GET = route((req) => {
  const query = parseQuery(req, riskEventsQuery);
  return app().risk.events(query);
});
