import { route, services } from "@/server/http/route";
import { AppError } from "@/server/core/errors";

export const dynamic = "force-dynamic";

/**
 * GET /api/commands/:id: what became of a command a web node sent the engine (issue 19): queued,
 * running, expired (never run) or done with the engine's answer. Kept an hour. Only on a web node
 * apart from the engine (ROLE=web); in one process nothing is sent.
 */
export const GET = route(async (_req, ctx) => {
  const { id } = await ctx.params;
  const commands = services().commands;
  if (!commands) throw new AppError("NOT_FOUND", "commands exist only on a web node apart from the engine (ROLE=web); this process runs the engine itself", 404);
  if (!id || !/^[0-9a-f-]{36}$/.test(id)) throw new AppError("VALIDATION", "id: expected a command id (a UUID)", 400, [{ path: "id", message: "expected a command id (a UUID)" }]);
  const found = await commands.state(id);
  if (found.state === "unknown") throw new AppError("NOT_FOUND", `no command ${id} (unknown, or older than an hour)`, 404);
  if (found.state !== "done") return { id, state: found.state };
  return found.reply.ok ? { id, state: "done", status: "ok", result: found.reply.value } : { id, state: "done", status: found.reply.status, error: found.reply.error };
});
