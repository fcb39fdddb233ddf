import { z } from "zod";
import { listQuerySchema } from "@/server/backtest";
import type { BacktestListDto, JobStartedDto } from "@/server/contract";
import { parseBody, parseQuery, route } from "@/server/http/route";
import { backtests } from "./backtest-service";

export const dynamic = "force-dynamic";

/** GET /api/backtests?limit&offset&status: stored runs, newest first, with headline metrics. */
export const GET = route(async (req) => (await backtests().list(parseQuery(req, listQuerySchema))) satisfies BacktestListDto);

/** POST /api/backtests: validate the config, queue the run (a worker thread runs it) and answer 202 { id }. */
export const POST = route(async (req) => {
  const body = await parseBody(req, z.record(z.string(), z.unknown()));
  const started = await backtests().start(body);
  return Response.json(started satisfies JobStartedDto, { status: 202, headers: { Location: `/api/backtests/${started.id}` } });
});
