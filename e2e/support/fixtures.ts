import { test as base, expect, type APIRequestContext, type Page } from "@playwright/test";
import { E2E_ADMIN_PASSWORD, E2E_API_TOKEN, startServer, removeDataDir, type RunningServer } from "./server";

/** One real server per spec file (worker-scoped); pages collect console errors for the no-errors checks. */
export const test = base.extend<{ consoleErrors: string[] }, { server: RunningServer }>({
  server: [
    async ({}, use) => {
      const server = await startServer();
      await use(server);
      await server.stop();
      removeDataDir(server.dataDir);
    },
    { scope: "worker", timeout: 120_000 },
  ],
  baseURL: async ({ server }, use) => use(server.url),
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on("console", (msg) => {
      if (msg.type() === "error") errors.push(msg.text());
    });
    page.on("pageerror", (err) => errors.push(String(err)));
    await use(errors);
  },
});

export { expect };

export const apiHeaders = { Authorization: `Bearer ${E2E_API_TOKEN}` };

/** Sign in as the owner through the login form, as a person would. */
export async function signIn(page: Page, next = "/"): Promise<void> {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel(/username/i).fill("admin");
  await page.getByLabel(/^password/i).fill(E2E_ADMIN_PASSWORD);
  await page.getByRole("button", { name: /sign in/i }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screens/${name}.png`, fullPage: true });
}

/**
 * The symbol's last price from GET /api/symbols, once there is one: right after start-up the market
 * data warms in the background and `last` is null until the first ticker (a stop computed from it would
 * be 0 and refused).
 */
export async function lastPrice(request: APIRequestContext, symbol: string, baseURL?: string): Promise<number> {
  let last: number | null | undefined;
  await expect
    .poll(
      async () => {
        const res = await request.get(`${baseURL ?? ""}/api/symbols`, { headers: apiHeaders });
        if (!res.ok()) return null;
        last = ((await res.json()) as Array<{ symbol: string; last: number | null }>).find((s) => s.symbol === symbol)?.last;
        return typeof last === "number" && last > 0 ? last : null;
      },
      { timeout: 60_000, message: `a last price for ${symbol} on GET /api/symbols` },
    )
    .not.toBeNull();
  return last as number;
}
