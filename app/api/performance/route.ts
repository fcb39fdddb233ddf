import { route, services, engine, parseQuery } from "@/server/http/route";
import { z } from "zod";
import { getPerformance } from "@/server/engine/queries";

export const dynamic = "force-dynamic";

export const GET = route((req) => getPerformance(engine(), services().db.prisma, parseQuery(req, z.object({ mode: z.string().optional() })).mode));
