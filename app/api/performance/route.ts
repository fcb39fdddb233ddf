import { route, app, parseQuery } from "@/server/http/route";
import { performanceQuery } from "@/server/application";

export const dynamic = "force-dynamic";

export const GET = route((req) => {
  const query = parseQuery(req, performanceQuery);
  return app().performance.performance(query.mode, query.strategy);
});
