import { route } from "@/server/http/route";
import type { StrategyKindDto, StrategyKindsReportDto } from "@/server/contract";
import { listStrategyKinds } from "@/server/strategy";
import { strategyKindsReport } from "@/server/strategy";

export const dynamic = "force-dynamic";

/** The kinds (built-in and user files); with ?include=errors also the files that did not load and recent runtime faults. */
export const GET = route((req) =>
  new URL(req.url).searchParams.get("include") === "errors" ? (strategyKindsReport() satisfies StrategyKindsReportDto) : (listStrategyKinds() satisfies StrategyKindDto[]),
);
