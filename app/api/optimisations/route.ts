import { z } from "zod";
import { optimisationJobs } from "@/server/backtest";
import type { JobStartedDto, OptimisationListDto } from "@/server/contract";
import { engine, parseBody, route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** GET /api/optimisations: jobs of this server run, newest first, with their best parameter set. */
export const GET = route(() => ({ items: optimisationJobs(engine().candleStore).list() }) satisfies OptimisationListDto);

/** POST /api/optimisations { base, method, space?, levels?, samples?, objective?, walkForward?, ... }: queue a search, answer 202 { id }. */
export const POST = route(async (req) => {
  const body = await parseBody(req, z.record(z.string(), z.unknown()));
  const started = optimisationJobs(engine().candleStore).start(body);
  return Response.json(started satisfies JobStartedDto, { status: 202, headers: { Location: `/api/optimisations/${started.id}` } });
});
