import { test as base, expect } from "@playwright/test";
import { signIn, apiHeaders, screenshot } from "./support/fixtures";
import { startServer, removeDataDir, type RunningServer } from "./support/server";

/** A new user starts the app and, without doing anything, watches the bot trade in paper mode. */
const test = base.extend<{}, { botServer: RunningServer }>({
  botServer: [
    async ({}, use) => {
      const server = await startServer({ env: { AUTO_START: "true" } });
      await use(server);
      await server.stop();
      removeDataDir(server.dataDir);
    },
    { scope: "worker", timeout: 120_000 },
  ],
  baseURL: async ({ botServer }, use) => use(botServer.url),
});

test("the bot trades by itself in paper mode, with reasons", async ({ page, request }) => {
  const strategies = await (await request.get("/api/strategies", { headers: apiHeaders })).json();
  expect(strategies.length).toBeGreaterThanOrEqual(2);
  // SIM_SPEED=60: a minute of market time per second.
  await expect
    .poll(async () => (await (await request.get("/api/orders?status=all", { headers: apiHeaders })).json()).length, { timeout: 75_000, intervals: [1000] })
    .toBeGreaterThan(0);
  const orders = await (await request.get("/api/orders?status=all", { headers: apiHeaders })).json();
  expect(orders[0].reason.length).toBeGreaterThan(20);
  await signIn(page);
  await expect(page.getByTestId("recent-signals").getByTestId("recent-signal").first()).toBeVisible({ timeout: 20_000 });
  await screenshot(page, "00-bot-trading");
});
