import type { ReactNode } from "react";
import { requirePageSession } from "@/server/auth/page-session";
import { services } from "@/server/http/route";
import { AppShell } from "@/components/shell/app-shell";
import type { StatusDto } from "@/components/lib/types";

// Every dashboard page depends on the signed-in session.
export const dynamic = "force-dynamic";

/**
 * The status (mode, venue, equity) goes into the first HTML: the header paints at once and every page's
 * queries that need the mode start together instead of waiting for /api/status (the same call the route
 * makes; null while the server is starting, and the browser then fetches it).
 */
async function initialStatus(): Promise<StatusDto | null> {
  try {
    return JSON.parse(JSON.stringify(await services().status())) as StatusDto;
  } catch {
    return null;
  }
}

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const [user, status] = await Promise.all([requirePageSession(), initialStatus()]);
  return (
    <AppShell username={user.username} initialStatus={status}>
      {children}
    </AppShell>
  );
}
