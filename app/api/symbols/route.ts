import { route, app } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const GET = route(() => app().market.symbols());
