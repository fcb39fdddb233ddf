import { route, app, parseBody, actorOf } from "@/server/http/route";
import { resetSchema } from "@/server/application";

/** POST /api/kill-switch/reset { confirm: true } */
export const POST = route(async (req, _ctx, principal) => {
  await parseBody(req, resetSchema);
  return { status: await app().risk.resetKillSwitch(actorOf(principal)) };
});
