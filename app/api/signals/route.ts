import { route, app, parseQuery } from "@/server/http/route";
import { signalsQuery } from "@/server/application";
import type { SignalDto } from "@/server/contract";

export const dynamic = "force-dynamic";

/** GET /api/signals: the newest signals of a mode, with their outcome and what became of them. */
export const GET = route(async (req) => {
  const query = parseQuery(req, signalsQuery);
  return (await app().signals.list(query)) satisfies SignalDto[];
});
