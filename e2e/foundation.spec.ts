import { test, expect, signIn, apiHeaders, screenshot } from "./support/fixtures";
import { startServer, removeDataDir } from "./support/server";

test.describe("foundation", () => {
  test("health reports ok on the embedded database", async ({ request }) => {
    const res = await request.get("/api/health");
    expect(res.status()).toBe(200);
    const body = await res.json();
    expect(body.status).toBe("ok");
    expect(body.db).toMatchObject({ kind: "embedded", ok: true });
    expect(typeof body.version).toBe("string");
  });

  test("the dashboard renders dark with no console errors", async ({ page, consoleErrors }) => {
    test.setTimeout(180_000);
    await signIn(page);
    await expect(page.getByText("Tradekeel").first()).toBeVisible();
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = background.match(/\d+/g)!.map(Number);
    expect(r + g + b).toBeLessThan(120);
    // Wait for the page to have its live data (instead of a fixed 1.5 s): the feed is connected and
    // the chart has drawn candles, so the screenshot shows them and any error on the way is recorded.
    await expect(page.getByTestId("feed-status")).toContainText(/live/i, { timeout: 90_000 });
    await expect.poll(async () => Number(await page.getByTestId("candle-chart").first().getAttribute("data-bars")), { timeout: 30_000 }).toBeGreaterThan(0);
    await screenshot(page, "overview");
    expect(consoleErrors).toEqual([]);
  });

  test("data persists across a restart", async () => {
    // Two start-ups and a shutdown in one test: each start alone may take up to its 150 s bound when loaded.
    test.setTimeout(420_000);
    const first = await startServer({ startTimeoutMs: 150_000 });
    const dataDir = first.dataDir;
    try {
      const created = await fetch(`${first.url}/api/strategies`, {
        method: "POST",
        headers: { ...apiHeaders, "Content-Type": "application/json" },
        body: JSON.stringify({ name: "persistence-check", kind: "rsi_reversion", symbols: ["BTC/USDT"], timeframe: "15m", capital: 1000 }),
      });
      expect(created.status).toBe(201);
      expect(await first.stop()).toBe(0);

      const second = await startServer({ dataDir, startTimeoutMs: 150_000 });
      try {
        const list = await fetch(`${second.url}/api/strategies`, { headers: apiHeaders });
        const strategies = (await list.json()) as Array<{ name: string; running: boolean }>;
        expect(strategies.find((s) => s.name === "persistence-check")).toMatchObject({ running: true });
      } finally {
        await second.stop();
      }
    } finally {
      removeDataDir(dataDir);
    }
  });
});
