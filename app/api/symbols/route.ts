import { route, engine } from "@/server/http/route";
import { getSymbols } from "@/server/engine/queries";

export const dynamic = "force-dynamic";

export const GET = route(() => getSymbols(engine()));
