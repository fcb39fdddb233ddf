import { z } from "zod";
import { route, goLive, parseBody, actorOf } from "@/server/http/route";
import { userText } from "@/server/http/input";

export const dynamic = "force-dynamic";

const body = z.object({
  key: z.string().min(1).max(200),
  action: z.enum(["adopt", "close", "ignore", "mark_closed", "cancel"]),
  stopLoss: z.number().positive().finite().optional(),
  reason: userText({ max: 300 }).optional(),
});

/**
 * POST /api/reconciliation/actions: adopt, close, ignore, mark closed or cancel one row (audited). Run by
 * the engine (on a web node through the command bus): adopt, close, mark_closed and cancel act on the live account.
 */
export const POST = route(
  async (req, _ctx, principal) => {
    const input = await parseBody(req, body);
    return goLive().reconciliationAction(input, actorOf(principal));
  },
  { mutation: true },
);
