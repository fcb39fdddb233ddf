import { z } from "zod";
import type { PairListDto } from "@/server/contract";
import { parseBody, route } from "@/server/http/route";
import { pairThresholdsSchema, refreshPairList } from "@/server/pairs";

export const dynamic = "force-dynamic";

const bodySchema = z.strictObject({ thresholds: pairThresholdsSchema.optional() });

/** POST /api/pairs/refresh [{ thresholds }]: read the venue again now; with thresholds, a what-if ranking that is not kept. */
export const POST = route(async (req) => {
  const { thresholds } = await parseBody(req, bodySchema);
  return (await refreshPairList(thresholds)) satisfies PairListDto;
});
