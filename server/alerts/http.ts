import { AppError } from "../core/errors";
import { services } from "../http/route";
import type { AlertService } from "./service";

/** The running alert service, for route handlers (registered with the other services). */
export function alertService(): AlertService {
  const found = (services() as { alerts?: AlertService }).alerts;
  if (!found) throw new AppError("NOT_READY", "alerts are not wired into this server yet", 503);
  return found;
}
