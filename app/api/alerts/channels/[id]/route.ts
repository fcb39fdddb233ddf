import { z } from "zod";
import { alertService } from "@/server/alerts";
import { actorOf, parseBody, route, services } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** PUT /api/alerts/channels/{id}: replace a Settings channel; a secret left out keeps the stored one. */
export const PUT = route(async (req, ctx, principal) => {
  const { id } = await ctx.params;
  const channel = await alertService().saveChannel(await parseBody(req, z.unknown()), id);
  await services().audit?.({ actor: actorOf(principal), action: "alerts.channel_update", data: { id, kind: channel.kind, name: channel.name } });
  return channel;
});

/** DELETE /api/alerts/channels/{id}. */
export const DELETE = route(async (_req, ctx, principal) => {
  const { id } = await ctx.params;
  await alertService().deleteChannel(id);
  await services().audit?.({ actor: actorOf(principal), action: "alerts.channel_delete", data: { id } });
  return { ok: true };
});
