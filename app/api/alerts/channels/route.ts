import { z } from "zod";
import { alertService } from "@/server/alerts";
import { actorOf, parseBody, route, services } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** GET /api/alerts/channels → channels from the config (read-only) and from Settings; secrets only as set/unset. */
export const GET = route(async () => alertService().channels());

/** POST /api/alerts/channels `{ kind, name, enabled, routing, settings, secrets }` → 201 the channel. */
export const POST = route(async (req, _ctx, principal) => {
  const body = await parseBody(req, z.unknown());
  const channel = await alertService().saveChannel(body);
  await services().audit?.({ actor: actorOf(principal), action: "alerts.channel_create", data: { id: channel.id, kind: channel.kind, name: channel.name } });
  return Response.json(channel, { status: 201 });
});
