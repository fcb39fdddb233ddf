import type { PairListDto } from "@/server/contract";
import { route } from "@/server/http/route";
import { getPairList } from "@/server/pairs";

export const dynamic = "force-dynamic";

/** GET /api/pairs: the venue's symbols ranked by liquidity and volatility, with the figures behind each rank. */
export const GET = route(async () => (await getPairList()) satisfies PairListDto);
