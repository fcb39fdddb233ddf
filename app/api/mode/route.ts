import { route, services, app, parseBody, actorOf } from "@/server/http/route";
import { modeChangeSchema } from "@/server/application";

export const dynamic = "force-dynamic";

export const GET = route(() => app().mode.get());

/** POST /api/mode { mode, confirm: true, arming? } */
export const POST = route(async (req, _ctx, principal) => {
  const input = await parseBody(req, modeChangeSchema);
  const armLive = services().armLive;
  return app().mode.set(input, actorOf(principal), armLive ? (arming) => armLive(req, arming) : undefined);
});
