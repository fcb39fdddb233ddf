import { route, app, parseQuery } from "@/server/http/route";
import { signalsQuery } from "@/server/application";

export const dynamic = "force-dynamic";

export const GET = route((req) => {
  const query = parseQuery(req, signalsQuery);
  return app().signals.list(query);
});
