import { route, engine, parseBody, actorOf } from "@/server/http/route";
import { killSwitchSchema, startKillSwitch } from "@/server/engine/commands";

export const dynamic = "force-dynamic";

/** GET /api/kill-switch: progress of the last run. */
export const GET = route(() => ({ status: engine().kernel.killSwitchStatus() }));

/** POST /api/kill-switch { action: "flatten" | "stop-entries", confirm: true }: answers 202 and runs. */
export const POST = route(async (req, _ctx, principal) => {
  const status = startKillSwitch(engine(), await parseBody(req, killSwitchSchema), actorOf(principal));
  return Response.json({ status }, { status: 202 });
});
