import { route, services, engine, parseQuery } from "@/server/http/route";
import { listRiskEvents, riskEventsQuery } from "@/server/engine/queries";

export const dynamic = "force-dynamic";

export const GET = route((req) => listRiskEvents(engine(), services().db.prisma, parseQuery(req, riskEventsQuery)));
