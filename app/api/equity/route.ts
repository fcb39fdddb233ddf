import { route, services, engine, parseQuery } from "@/server/http/route";
import { equityQuery, listEquity } from "@/server/engine/queries";

export const dynamic = "force-dynamic";

export const GET = route((req) => listEquity(engine(), services().db.prisma, parseQuery(req, equityQuery)));
