import { z } from "zod";
import { route, engine, services, parseBody, actorOf } from "@/server/http/route";
import { AppError } from "@/server/core/errors";
import { userText } from "@/server/http/input";
import { actOnReconciliation, reconciliationEnginePorts } from "@/server/golive";

export const dynamic = "force-dynamic";

const body = z.object({
  key: z.string().min(1).max(200),
  action: z.enum(["adopt", "close", "ignore", "mark_closed", "cancel"]),
  stopLoss: z.number().positive().finite().optional(),
  reason: userText({ max: 300 }).optional(),
});

/** POST /api/reconciliation/actions: adopt, close, ignore, mark closed or cancel one row (audited). */
export const POST = route(
  async (req, _ctx, principal) => {
    const input = await parseBody(req, body);
    const s = services();
    if (!s.audit) throw new AppError("NOT_READY", "the audit log is not available", 503);
    const running = engine();
    // adopt, close, mark_closed and cancel act on the live account (server/golive/engine-ports.ts).
    return actOnReconciliation(running, s.db.prisma, input, actorOf(principal), { audit: s.audit, enginePorts: reconciliationEnginePorts(running.kernel) });
  },
  { mutation: true },
);
