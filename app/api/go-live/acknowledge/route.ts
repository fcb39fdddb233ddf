import { route, engine, services, actorOf } from "@/server/http/route";
import { AppError } from "@/server/core/errors";
import { acknowledgeGoLiveRisk } from "@/server/golive";

export const dynamic = "force-dynamic";

/** POST /api/go-live/acknowledge: the owner acknowledges the risk limits in force (audited). */
export const POST = route(
  (_req, _ctx, principal) => {
    const audit = services().audit;
    if (!audit) throw new AppError("NOT_READY", "the audit log is not available", 503);
    return acknowledgeGoLiveRisk(engine(), services().db.prisma, actorOf(principal), audit);
  },
  { mutation: true },
);
