import { readFileSync } from "node:fs";
import type { APIRequestContext, Locator, Page } from "@playwright/test";
import { test as base, expect, signIn, apiHeaders, screenshot } from "./support/fixtures";
import { removeDataDir, startServer, type RunningServer } from "./support/server";
import { NAV_ITEMS } from "../components/shell/nav-config";

/**
 * The shared fixture's server, given longer to start: on a loaded two-core machine the engine's start-up
 * (history, reconciliation, insights) can take longer than the default 90 s.
 */
const test = base.extend<{}, { server: RunningServer }>({
  server: [
    async ({}, use) => {
      const server = await startServer({ startTimeoutMs: 300_000, waitForWarmup: true });
      await use(server);
      await server.stop();
      removeDataDir(server.dataDir);
    },
    { scope: "worker", timeout: 330_000 },
  ],
});

/**
 * Issue 21, the dashboard a trader keeps open all day: positions first at 1280×800 and on a phone, a header
 * that says where the money is, an order ticket and a partial close, a session followed to its report, the
 * 2FA QR code, one risk picture, and a screenshot of every page at both sizes. Real Chromium, real server
 * (built-in simulator at SIM_SPEED=60, paper mode, no bot of its own).
 */

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

async function api<T>(request: APIRequestContext, method: "GET" | "POST" | "PATCH", path: string, body?: unknown): Promise<T> {
  const res = await request.fetch(path, { method, headers: { ...apiHeaders, "Content-Type": "application/json" }, data: body });
  expect(res.status(), `${method} ${path}: ${await res.text()}`).toBeLessThan(300);
  return (await res.json()) as T;
}

interface Position {
  id: string;
  symbol: string;
  quantity: number;
}

const SIZES: Record<string, number> = { "BTC/USDT": 0.002, "ETH/USDT": 0.03, "BNB/USDT": 0.1 };

/**
 * An open position to look at: the one there is, or a new small one (the simulated market can stop out the
 * previous test's position; a symbol in its cooldown after that exit is skipped).
 */
async function ensurePosition(request: APIRequestContext): Promise<Position> {
  let found: Position | undefined;
  await expect
    .poll(
      async () => {
        found = (await api<Position[]>(request, "GET", "/api/positions"))[0];
        if (found) return true;
        for (const [symbol, quantity] of Object.entries(SIZES)) {
          const res = await request.fetch("/api/orders", {
            method: "POST",
            headers: { ...apiHeaders, "Content-Type": "application/json" },
            data: { symbol, side: "buy", type: "market", quantity },
          });
          if (res.status() === 201) break;
        }
        return false;
      },
      { timeout: 60_000, intervals: [500, 1_000, 2_000] },
    )
    .toBe(true);
  return found!;
}

async function features(request: APIRequestContext): Promise<string[]> {
  return (await api<{ features?: string[] }>(request, "GET", "/api/status")).features ?? [];
}

/** Entirely inside the viewport without scrolling: the page is at the top and the element's box ends above the fold. */
async function expectAboveTheFold(page: Page, locator: Locator, viewport: { width: number; height: number }) {
  expect(await page.evaluate(() => window.scrollY)).toBe(0);
  const box = await locator.boundingBox();
  expect(box, "element has a box").not.toBeNull();
  expect(box!.y).toBeGreaterThanOrEqual(0);
  expect(box!.y + box!.height).toBeLessThanOrEqual(viewport.height);
  expect(box!.x + box!.width).toBeLessThanOrEqual(viewport.width + 0.5);
}

/**
 * A money amount on screen ("+1,234.56", "−0.0042") is the exact amount to the places it shows: off by at most
 * half of its last digit.
 */
function expectShownAmount(text: string, exact: number, what: string) {
  expect(text, what).toMatch(/^[+\u2212]?[\d,]+\.\d+$/);
  const shown = Number(text.replace(/[+,]/g, "").replace("\u2212", "-"));
  const places = text.split(".")[1].length;
  expect(Math.abs(shown - exact), `${what}: ${text} shown, ${exact} summed`).toBeLessThanOrEqual(0.5 * 10 ** -places + 1e-9);
}

test.describe.configure({ mode: "serial" });

test.describe("daily use", () => {
  test("the order ticket buys 100 USDT of BTC at market, with the risk engine's answer on screen", async ({ page, request, consoleErrors }) => {
    await page.setViewportSize(DESKTOP);
    await signIn(page, "/positions");
    const ticket = page.getByTestId("order-ticket");
    await expect(ticket).toBeVisible();
    await expect(ticket.getByTestId("ticket-symbol")).toContainText("BTC/USDT");
    await ticket.getByRole("spinbutton", { name: "Amount" }).fill("100");
    // 100 USDT at the last price, in BTC.
    await expect(ticket.getByTestId("ticket-size")).toContainText(/BTC ≈ (99\.\d\d|100\.00) USDT/);
    // The risk engine's answer before sending (POST /api/orders/preview), nothing sent yet.
    expect(await features(request)).toContain("orders.preview");
    const ordersBefore = (await api<unknown[]>(request, "GET", "/api/orders?status=all")).length;
    await ticket.getByTestId("ticket-preview").click();
    await expect(ticket.getByTestId("ticket-decision")).toHaveAttribute("data-allowed", "true");
    expect((await api<unknown[]>(request, "GET", "/api/orders?status=all")).length).toBe(ordersBefore);
    await ticket.getByTestId("ticket-send").click();
    await expect(ticket.getByTestId("ticket-decision")).toHaveAttribute("data-allowed", "true", { timeout: 20_000 });
    await expect(page.getByTestId("positions-table").locator("[data-symbol='BTC/USDT']").first()).toBeVisible({ timeout: 20_000 });
    const positions = await api<Position[]>(request, "GET", "/api/positions");
    const btc = positions.find((p) => p.symbol === "BTC/USDT");
    expect(btc).toBeTruthy();
    // The header counts it.
    await expect(page.locator("header").getByTestId("header-position-count")).toHaveText(String(positions.length), { timeout: 15_000 });
    await screenshot(page, "21-order-ticket");
    expect(consoleErrors).toEqual([]);
  });

  test("at 1280×800 the open positions and their P&L are above the fold, under a header that names mode and venue", async ({ page, request }) => {
    await page.setViewportSize(DESKTOP);
    await ensurePosition(request);
    await signIn(page, "/");
    const header = page.locator("header");
    await expect(header.getByTestId("mode-badge")).toHaveText("PAPER");
    await expect(header.getByTestId("venue-badge")).toContainText("SIMULATED");
    const status = await api<{ venue: { id: string } }>(request, "GET", "/api/status");
    await expect(header.getByTestId("venue-name")).toContainText(status.venue.id);
    // No green "Live" beside PAPER: the feed indicator is neutral and says what it is.
    await expect(header.getByTestId("feed-status")).not.toContainText(/^live$/i);
    await expect(header.getByTestId("header-exposure")).not.toHaveText("—");
    const headerBox = await header.boundingBox();
    expect(headerBox!.height).toBeLessThanOrEqual(56);
    const position = await ensurePosition(request);
    const row = page.getByTestId(`position-row-${position.id}`);
    await expect(row).toBeVisible({ timeout: 20_000 });
    await expectAboveTheFold(page, row, DESKTOP);
    await expectAboveTheFold(page, row.getByTestId("position-upnl"), DESKTOP);
    await screenshot(page, "21-overview-1280");
  });

  test("at 390×844 the header is one row and the positions are cards with their P&L on screen", async ({ page, request }) => {
    await page.setViewportSize(PHONE);
    const position = await ensurePosition(request);
    await signIn(page, "/");
    const header = page.locator("header");
    await expect(header.getByTestId("mode-badge")).toHaveText("PAPER");
    await expect(header.getByTestId("venue-badge")).toContainText("SIMULATED");
    await expect(header.getByTestId("kill-switch-button")).toBeVisible();
    expect((await header.boundingBox())!.height).toBeLessThanOrEqual(56);
    const table = page.getByTestId("overview-positions").getByTestId("positions-table");
    await expect(table).toHaveAttribute("data-layout", "cards", { timeout: 20_000 });
    const card = table.getByTestId(`position-row-${position.id}`);
    await expect(card).toBeVisible();
    await expectAboveTheFold(page, card, PHONE);
    await expectAboveTheFold(page, card.getByTestId("position-upnl"), PHONE);
    // Nothing scrolls sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, "21-overview-390");
  });

  test("part of a position is closed, then the rest", async ({ page, request, consoleErrors }) => {
    await page.setViewportSize(DESKTOP);
    await signIn(page, "/positions");
    const before = await ensurePosition(request);
    await page.getByTestId(`position-partial-${before.id}`).click();
    const dialog = page.getByTestId("partial-close-dialog");
    await expect(dialog).toBeVisible();
    await dialog.getByTestId("partial-share-50").click();
    expect(await features(request)).toContain("positions.partialClose");
    await page.getByTestId("partial-close-confirm").click();
    // Half of it is sold and the rest stays open (it is not closed all at once).
    await expect
      .poll(async () => (await api<Position[]>(request, "GET", "/api/positions")).find((p) => p.id === before.id)?.quantity ?? 0, { timeout: 20_000 })
      .toBeLessThan(before.quantity * 0.51);
    expect((await api<Position[]>(request, "GET", "/api/positions")).find((p) => p.id === before.id)?.quantity ?? 0).toBeGreaterThan(0);
    await page.getByTestId(`position-close-${before.id}`).click();
    await page.getByTestId("confirm-close-position").click();
    await expect.poll(async () => (await api<Position[]>(request, "GET", "/api/positions")).some((p) => p.id === before.id), { timeout: 20_000 }).toBe(false);
    await expect(page.getByTestId(`position-row-${before.id}`)).toHaveCount(0, { timeout: 15_000 });
    expect(consoleErrors).toEqual([]);
  });

  test("a session is started with the plan's defaults, followed to its end, and its report downloaded", async ({ page }) => {
    test.setTimeout(150_000);
    await page.setViewportSize(DESKTOP);
    await signIn(page, "/sessions");
    const form = page.getByTestId("session-form");
    // The plan's session: $500, 4 hours, target +6, loss limit 15.
    await expect(form.getByLabel("Capital")).toHaveValue("500");
    await expect(form.getByLabel("Profit target")).toHaveValue("6");
    await expect(form.getByLabel("Loss limit")).toHaveValue("15");
    await expect(form.getByLabel("Duration (market minutes)")).toHaveValue("240");
    // 20 market minutes: 20 s at SIM_SPEED=60.
    await form.getByLabel("Duration (market minutes)").fill("20");
    await page.getByTestId("session-start").click();
    const running = page.locator("[data-testid^='session-running-']").first();
    await expect(running).toBeVisible({ timeout: 20_000 });
    const id = await running.getAttribute("data-session-id");
    await expect(running.getByTestId("session-progress-target")).toBeVisible();
    await expect(running.getByTestId("session-progress-loss")).toBeVisible();
    await expect(running.getByTestId("session-pnl")).not.toHaveText("—");
    const countdown = running.getByTestId("session-countdown");
    const first = await countdown.textContent();
    await expect.poll(() => countdown.textContent(), { timeout: 20_000 }).not.toBe(first);
    await screenshot(page, "21-session-running");
    // It ends by itself (time, or its target or loss limit) and its report appears.
    const row = page.getByTestId(`session-row-${id}`);
    await expect(row).toBeVisible({ timeout: 90_000 });
    await expect(row.getByTestId("session-end-reason")).toHaveText(/time is up|profit target reached|loss limit reached/);
    const link = page.getByTestId(`session-report-csv-${id}`);
    await expect(link).toBeVisible({ timeout: 20_000 });
    const download = page.waitForEvent("download");
    await link.click();
    const csv = readFileSync(await (await download).path(), "utf8");
    expect(csv.split("\n")[0]).toContain("symbol");
    expect(csv.split("\n")[0]).toContain("pnl");
    await screenshot(page, "21-session-ended");
  });

  test("the 2FA setup shows a QR code of the otpauth link", async ({ page }) => {
    await page.setViewportSize(DESKTOP);
    await signIn(page, "/settings");
    await page.getByRole("tab", { name: "Two-factor" }).click();
    await page.getByTestId("totp-setup").click();
    const qr = page.getByTestId("totp-qr");
    await expect(qr).toBeVisible({ timeout: 15_000 });
    const { src, width } = await qr.evaluate((img: HTMLImageElement) => ({ src: img.src, width: img.naturalWidth }));
    expect(src.startsWith("data:image/svg+xml")).toBe(true);
    expect(decodeURIComponent(src)).toContain("<path");
    expect(width).toBeGreaterThan(0);
    await expect(page.getByTestId("totp-secret")).toBeVisible();
    await qr.screenshot({ path: "test-results/screens/21-totp-qr.png" });
  });

  test("trade filters live in the address, and the totals row sums what is shown", async ({ page, request }) => {
    await page.setViewportSize(DESKTOP);
    // One page big enough for every BTC/USDT trade of the run, so the totals row is about the rows on screen.
    await signIn(page, "/trades?symbol=BTC%2FUSDT&pageSize=500");
    const table = page.getByTestId("trades-table");
    await expect(table.locator("tr", { hasText: "BTC/USDT" }).first()).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId("trades-totals")).toBeVisible();
    // Trades keep closing while the page is open (the table refetches on each), so the rows and the totals
    // row are read in one go inside the page: one render, never rows of one fetch and totals of the next.
    const shown = await table.evaluate((el) => {
      const text = (id: string) => el.querySelector(`[data-testid="${id}"]`)?.textContent ?? "";
      return {
        ids: [...el.querySelectorAll('tr[data-testid^="trade-row-"]')].map((tr) => tr.getAttribute("data-testid")!.slice("trade-row-".length)),
        scope: text("trades-totals-scope"),
        row: text("trades-totals"),
        pnl: text("trades-totals-pnl"),
        fees: text("trades-totals-fees"),
      };
    });
    expect(shown.ids.length).toBeGreaterThan(0);
    expect(shown.scope).toBe(`All ${shown.ids.length} matching`);
    // The shown trades' exact P&L and fees (a closed trade never changes); every one is a BTC/USDT trade.
    const listed = await api<{ items: { id: string; symbol: string; pnl: number; fees: number }[] }>(request, "GET", "/api/trades?symbol=BTC%2FUSDT&pageSize=500");
    const byId = new Map(listed.items.map((t) => [t.id, t]));
    expect(shown.ids.filter((id) => byId.get(id)?.symbol !== "BTC/USDT"), "rows shown that are not listed BTC/USDT trades").toEqual([]);
    const rows = shown.ids.map((id) => byId.get(id)!);
    const pnl = rows.reduce((s, t) => s + t.pnl, 0);
    const fees = rows.reduce((s, t) => s + t.fees, 0);
    const wins = rows.filter((t) => t.pnl > 0).length;
    expectShownAmount(shown.pnl, pnl, "totals P&L");
    expectShownAmount(shown.fees, fees, "totals fees");
    expect(shown.row).toContain(`${wins} won, ${rows.length - wins} lost`);
    // Another filter goes into the address; a reload keeps both.
    await page.getByTestId("trades-filter-result").click();
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option").first().click();
    await expect(page).toHaveURL(/result=(win|loss)/);
    await expect(page).toHaveURL(/symbol=BTC%2FUSDT/);
    await page.reload();
    await expect(page).toHaveURL(/result=(win|loss)/);
    await expect(page.getByTestId("trade-filters")).toContainText("BTC/USDT");
  });

  test("every page at 1280×800 and 390×844: a one-row header, no console errors, a screenshot", async ({ page, consoleErrors }) => {
    test.setTimeout(300_000);
    const failed: string[] = [];
    page.on("response", (res) => {
      if (res.status() >= 400) failed.push(`${res.status()} ${new URL(res.url()).pathname}`);
    });
    await signIn(page, "/");
    const errorsByPage: Record<string, string[]> = {};
    for (const [name, viewport] of [
      ["1280", DESKTOP],
      ["390", PHONE],
    ] as const) {
      await page.setViewportSize(viewport);
      for (const item of NAV_ITEMS) {
        const seen = consoleErrors.length;
        const seenFailed = failed.length;
        await page.goto(item.href);
        await expect(page.getByTestId("header-bar")).toBeVisible();
        await page.waitForLoadState("networkidle").catch(() => {});
        expect((await page.locator("header").boundingBox())!.height, `${item.href} header at ${name}`).toBeLessThanOrEqual(56);
        await screenshot(page, `21-${name}-${item.key}`);
        if (consoleErrors.length > seen) {
          const entry = [...consoleErrors.slice(seen), ...failed.slice(seenFailed)];
          errorsByPage[`${name} ${item.href}`] = entry;
        }
      }
    }
    expect(errorsByPage).toEqual({});
  });

  test("the risk counters equal the trading state's reason, and Reset to ACTIVE on the Risk page lifts it", async ({ page, request }) => {
    test.setTimeout(180_000);
    // One losing trade in a row is enough to pause entries (a tightening, allowed at run time).
    await api(request, "PATCH", "/api/risk/limits", { maxConsecutiveLosses: 1 });
    const symbols = ["ETH/USDT", "BNB/USDT", "BTC/USDT"];
    let i = 0;
    await expect
      .poll(
        async () => {
          const risk = await api<{ tradingState: string }>(request, "GET", "/api/risk");
          if (risk.tradingState !== "ACTIVE") return risk.tradingState;
          // A round trip at market pays the spread and two fees: usually a loss. Try again until one is.
          const symbol = symbols[i++ % symbols.length]!;
          const res = await request.fetch("/api/orders", {
            method: "POST",
            headers: { ...apiHeaders, "Content-Type": "application/json" },
            data: { symbol, side: "buy", type: "market", quantity: symbol === "BTC/USDT" ? 0.002 : symbol === "ETH/USDT" ? 0.03 : 0.1 },
          });
          if (res.status() !== 201) return `entry refused (${res.status()})`;
          let position: Position | undefined;
          await expect.poll(async () => (position = (await api<Position[]>(request, "GET", "/api/positions")).find((p) => p.symbol === symbol)), { timeout: 15_000 }).toBeTruthy();
          await api(request, "POST", `/api/positions/${position!.id}/close`, {});
          await expect.poll(async () => (await api<Position[]>(request, "GET", "/api/positions")).some((p) => p.id === position!.id), { timeout: 15_000 }).toBe(false);
          return (await api<{ tradingState: string }>(request, "GET", "/api/risk")).tradingState;
        },
        { timeout: 150_000, intervals: [1_000, 2_000, 3_000] },
      )
      .toBe("REDUCING");

    const risk = await api<{ reason: string; latches: { id: string; data: { streak: number; maxConsecutiveLosses: number } }[] }>(request, "GET", "/api/risk");
    const latch = risk.latches.find((l) => l.id === "consecutive_losses")!;
    expect(latch).toBeTruthy();
    const m = /(\d+) losing trades in a row \(limit (\d+)\)/.exec(risk.reason);
    expect(m, risk.reason).not.toBeNull();

    await page.setViewportSize(DESKTOP);
    await signIn(page, "/risk");
    await expect(page.locator("header").getByTestId("trading-state-badge")).toHaveText("REDUCING");
    await expect(page.getByTestId("risk-reason")).toHaveText(risk.reason);
    await expect(page.getByTestId("risk-latch-consecutive_losses")).toHaveAttribute("data-code", "CONSECUTIVE_LOSSES");
    // The counter beside the limit says what the reason says.
    const counter = page.getByTestId("risk-usage-consecutiveLosses");
    await expect(counter).toHaveAttribute("data-level", "tripped");
    await expect(counter).toHaveAttribute("data-used", m![1]!);
    await expect(counter).toHaveAttribute("data-limit", m![2]!);
    await expect(page.getByTestId("risk-usage-text-consecutiveLosses")).toHaveText(`${m![1]} / ${m![2]} losses`);
    await screenshot(page, "21-risk-reducing");

    await page.getByTestId("risk-reset-active").click();
    await page.getByTestId("risk-reset-confirm").click();
    await expect(page.locator("header").getByTestId("trading-state-badge")).toHaveText("ACTIVE", { timeout: 20_000 });
    await expect(page.getByTestId("risk-trading-state")).toHaveAttribute("data-state", "ACTIVE");
    await expect(counter).not.toHaveAttribute("data-level", "tripped");
    // The reset is on the record, with who did it and what it cleared (the other modes' accounts record theirs).
    const events = await api<{ code: string; message: string }[]>(request, "GET", "/api/risk/events?limit=50&kind=state_change&mode=paper");
    expect(events.filter((e) => e.code === "RISK_RESET").map((e) => e.message)).toContainEqual(expect.stringMatching(/^reset by admin.*cleared .*consecutive_losses/));
  });

  test("a signal the risk engine refused shows its denial code", async ({ page, request }) => {
    test.setTimeout(180_000);
    expect(await features(request)).toContain("signals.execution");
    // New entries stopped, then a fast moving-average cross on 1m candles (a minute a second at SIM_SPEED=60):
    // its entry signals reach the risk engine and are refused.
    await api(request, "POST", "/api/kill-switch", { action: "stop-entries", confirm: true });
    await expect.poll(async () => (await api<{ tradingState: string }>(request, "GET", "/api/risk")).tradingState, { timeout: 20_000 }).not.toBe("ACTIVE");
    const strategy = await api<{ id: string }>(request, "POST", "/api/strategies", {
      name: "refused-signals",
      kind: "ma_crossover",
      params: { fastPeriod: 2, slowPeriod: 3 },
      symbols: ["BTC/USDT", "ETH/USDT"],
      timeframe: "1m",
      capital: 1000,
    });
    try {
      let refused: { id: string; execution: { status: string; code: string | null } | null } | undefined;
      await expect
        .poll(
          async () => (refused = (await api<NonNullable<typeof refused>[]>(request, "GET", "/api/signals?limit=200")).find((s) => s.execution?.status === "blocked")),
          { timeout: 120_000, intervals: [1_000, 2_000] },
        )
        .toBeTruthy();
      expect(refused!.execution!.code).toMatch(/^[A-Z_]+$/);
      await page.setViewportSize(DESKTOP);
      await signIn(page, "/signals");
      const blocked = page.locator("[data-testid='signal-execution'][data-status='blocked']").first();
      await expect(blocked).toBeVisible({ timeout: 30_000 });
      expect(await blocked.getAttribute("data-code")).toMatch(/^[A-Z_]+$/);
      await expect(page.locator(`[data-testid='signal-execution'][data-status='blocked'][data-code='${refused!.execution!.code}']`).first()).toBeVisible();
      await screenshot(page, "21-signal-blocked");
    } finally {
      await request.fetch(`/api/strategies/${strategy.id}`, { method: "DELETE", headers: apiHeaders });
      await request.fetch("/api/kill-switch/reset", { method: "POST", headers: { ...apiHeaders, "Content-Type": "application/json" }, data: { confirm: true } });
    }
  });
});
