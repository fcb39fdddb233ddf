import { route, app, parseQuery } from "@/server/http/route";
import { equityQuery } from "@/server/application";

export const dynamic = "force-dynamic";

export const GET = route((req) => {
  const query = parseQuery(req, equityQuery);
  return app().performance.equity(query);
});
