import { z } from "zod";
import type { JobStartedDto, OptimisationListDto } from "@/server/contract";
import { optimisations, parseBody, route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** GET /api/optimisations: the newest optimisations, newest first, with their best parameter set (with BullMQ: of every web node). */
export const GET = route(async () => ({ items: await optimisations().list() }) satisfies OptimisationListDto);

/** POST /api/optimisations { base, method, space?, levels?, samples?, objective?, walkForward?, ... }: queue a search, answer 202 { id }. */
export const POST = route(async (req) => {
  const body = await parseBody(req, z.record(z.string(), z.unknown()));
  const started = await optimisations().start(body);
  return Response.json(started satisfies JobStartedDto, { status: 202, headers: { Location: `/api/optimisations/${started.id}` } });
});
