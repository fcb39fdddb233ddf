import { z } from "zod";
import { authService } from "@/server/auth";
import { parseQuery, route } from "@/server/http/route";

export const dynamic = "force-dynamic";

const querySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().min(1).optional(),
});

/** GET /api/audit?limit=&before= → `{ items: [{ seq, timestamp, actor, action, data, prevHash, hash }], nextBefore }`, newest first. */
export const GET = route(async (req) => {
  const query = parseQuery(req, querySchema);
  return authService().audit.list(query);
});
