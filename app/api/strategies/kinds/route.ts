import { route } from "@/server/http/route";
import { strategyKinds } from "@/server/engine/commands";

export const dynamic = "force-dynamic";

export const GET = route(() => strategyKinds());
