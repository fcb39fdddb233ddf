import { route, engine, parseBody, actorOf } from "@/server/http/route";
import { resetKillSwitch, resetSchema } from "@/server/engine/commands";

/** POST /api/kill-switch/reset { confirm: true } */
export const POST = route(async (req, _ctx, principal) => {
  await parseBody(req, resetSchema);
  return { status: await resetKillSwitch(engine(), actorOf(principal)) };
});
