import { route, services, engine, parseBody, actorOf } from "@/server/http/route";
import { modeSchema, setMode } from "@/server/engine/commands";

export const dynamic = "force-dynamic";

export const GET = route(() => ({ mode: engine().kernel.mode }));

/** POST /api/mode { mode, confirm: true, arming? } */
export const POST = route(async (req, _ctx, principal) => {
  const input = await parseBody(req, modeSchema);
  return setMode(engine(), input, actorOf(principal), services().armLive ? (arming) => services().armLive!(req, arming) : undefined);
});
