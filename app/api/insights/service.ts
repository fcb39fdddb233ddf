import { AppError } from "@/server/core/errors";
import { services } from "@/server/http/route";
import type { InsightsService } from "@/server/ai";

/** The insights service, or 503 until the application constructs it (server/app.ts). */
export function insights(): InsightsService {
  const found = services().insights;
  if (!found) {
    throw new AppError("INSIGHTS_NOT_AVAILABLE", "AI insights are not enabled on this server yet (the insights service is not wired in server/app.ts)", 503);
  }
  return found;
}
