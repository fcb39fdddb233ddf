import type { ReactNode } from "react";
import { requirePageSession } from "@/server/auth/page-session";
import { AppShell } from "@/components/shell/app-shell";

// Every dashboard page depends on the signed-in session.
export const dynamic = "force-dynamic";

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const user = await requirePageSession();
  return <AppShell username={user.username}>{children}</AppShell>;
}
