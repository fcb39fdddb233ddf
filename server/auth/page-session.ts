import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { lookupServices } from "../http/registry";
import type { Services } from "../http/services";
import { REQUESTED_PATH_HEADER, SESSION_COOKIE, loginPath } from "./cookies";
import { isAuthService, type PublicUser } from "./service";

/**
 * The server-side guard for dashboard pages (the Next glue of server/auth; the rest of the domain
 * knows nothing of Next). Call it at the top of a server layout:
 *
 *   export default async function DashboardLayout({ children }) {
 *     const user = await requirePageSession();
 *     ...
 *   }
 *
 * proxy.ts already sends browsers without a session cookie to /login; this checks that the cookie names a
 * live session and redirects to /login?next=<the page> when it does not.
 */
export async function requirePageSession(): Promise<PublicUser> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  const gate = lookupServices<Services>()?.auth;
  const user = token && isAuthService(gate) ? await gate.sessionUser(token) : null;
  if (!user) redirect(loginPath((await headers()).get(REQUESTED_PATH_HEADER)));
  return user;
}
