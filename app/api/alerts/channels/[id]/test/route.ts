import { alertService } from "@/server/alerts";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** POST /api/alerts/channels/{id}/test → the delivery `{ status: "sent" | "failed", attempts, error? }`. */
export const POST = route(async (_req, ctx) => {
  const { id } = await ctx.params;
  return alertService().testChannel(id);
});
