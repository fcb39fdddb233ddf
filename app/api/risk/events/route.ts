import { route, services, engine, parseQuery } from "@/server/http/route";
import { listRiskEvents, riskEventsQuery } from "@/server/engine/queries";

export const dynamic = "force-dynamic";

export const GET = route((req) => {
  const query = parseQuery(req, riskEventsQuery);
  return listRiskEvents(engine(), services().db.prisma, query);
});
