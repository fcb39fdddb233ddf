import { route, app, parseBody, actorOf } from "@/server/http/route";
import { killSwitchSchema } from "@/server/application";

export const dynamic = "force-dynamic";

/** GET /api/kill-switch: progress of the last run. */
export const GET = route(() => app().risk.killSwitchStatus());

/** POST /api/kill-switch { action: "flatten" | "stop-entries", confirm: true }: answers 202 and runs. */
export const POST = route(async (req, _ctx, principal) => {
  const input = await parseBody(req, killSwitchSchema);
  // Awaited: on a web node apart from the engine the kill switch travels to it (server/cluster).
  const status = await app().risk.startKillSwitch(input, actorOf(principal));
  return Response.json({ status }, { status: 202 });
});
