import { route, services, engine, parseQuery } from "@/server/http/route";
import { listSignals, signalsQuery } from "@/server/engine/queries";

export const dynamic = "force-dynamic";

export const GET = route((req) => listSignals(engine(), services().db.prisma, parseQuery(req, signalsQuery)));
