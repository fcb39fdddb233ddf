import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { E2E_ADMIN_PASSWORD, E2E_API_TOKEN, removeDataDir, startServer, type RunningServer } from "../e2e/support/server";
import { percentile } from "./data";

/**
 * The dashboard as a person sees it (issue 20): the real server (production build, embedded defaults,
 * built-in simulator at SIM_SPEED 60, a temporary DATA_DIR; e2e/support/server.ts) and Debian's Chromium
 * through playwright-core.
 *
 * (a) First meaningful paint of the overview: see FIRST_PAINT_DEFINITION. Cold runs open the overview in a
 *     fresh browser context (signed in by cookie, empty HTTP cache and localStorage: a first visit); warm
 *     runs reload that page (cached scripts, the chart's symbol remembered).
 * (b) Engine event → DOM: see FEED_TO_DOM_DEFINITION.
 *
 * The build is brought up to date with scripts/build-if-needed.ts while holding /tmp/next-build.lock, and
 * the lock is held until the server is stopped, as `flock /tmp/next-build.lock npm run test:e2e` does (a
 * rebuild beside a running server would pull its files away); TK_BENCH_EXISTING_BUILD=1 measures the build as
 * it is, neither building nor locking (the caller holds the lock).
 * Nothing is printed; figures are returned.
 */

export const FIRST_PAINT_DEFINITION =
  "navigation start (performance.timeOrigin) → the first animation frame after the overview shows real data: " +
  "the header equity and the P&L panel's 'P&L today' rendered from the status (not the skeleton), and the price chart " +
  "with candles (data-bars > 0, a canvas laid out) and its last price as a number; watched by a MutationObserver installed " +
  "before any page script (page.addInitScript)";

export const FEED_TO_DOM_DEFINITION =
  "a `candle` feed event (forming or closed) of the overview chart's stream, from its WebSocket frame reaching the browser " +
  "(Chromium's network process stamps it on arrival, apart from the page's main thread: CDP Network.webSocketFrameReceived; " +
  "the server's emit plus a loopback hop) → the page's MutationObserver seeing the chart's last price " +
  "(data-testid=chart-last-price) show that close. Both clocks are this machine's wall clock: the frame's monotonic stamp is " +
  "mapped by the WebSocket handshake's (wallTime, timestamp) pair, the page's is performance.timeOrigin + performance.now(), " +
  "so no offset between page and server needs estimating. An event whose price shows the same as the event before it changes " +
  "nothing on screen and is left out; one replaced on screen by a later event before its own price showed (coalesced) is " +
  "counted apart";

export interface FirstPaintRun {
  /** Navigation start → the frame after the key figures had real data (the figure). */
  paintMs: number;
  /** Navigation start → the DOM mutation after which they all had real data. */
  domMs: number;
  /** Navigation start → the first byte of the HTML, its last byte, DOMContentLoaded (scripts run, hydration starts). */
  htmlFirstByteMs: number;
  htmlLastByteMs: number;
  domContentLoadedMs: number;
  /** The overview's own API requests before the paint (resource timing, ms from navigation start): what waits on what. */
  requests: Array<{ path: string; startMs: number; endMs: number }>;
}

export interface Summary {
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export interface DashboardFigures {
  firstPaint: {
    definition: string;
    cold: FirstPaintRun[];
    warm: FirstPaintRun[];
    coldP50Ms: number;
    coldMaxMs: number;
    warmP50Ms: number;
    warmMaxMs: number;
  };
  feedToDom: Summary & {
    definition: string;
    symbol: string;
    timeframe: string;
    /** Candle events of the stream that reached the page. */
    events: number;
    /** Events whose price changed what the chart shows: the samples. */
    samples: number;
    /** Of the samples shown, closed candles. */
    closedSamples: number;
    /** Samples whose price never showed because a later event replaced it first (batching). */
    coalesced: number;
    /** Samples neither shown nor replaced within the wait (should be 0). */
    missing: number;
  };
  goals: { feedToDomP95Ms: number; firstPaintMs: number };
  loadAvg1m: number;
}

export type DashboardResult = DashboardFigures | { skipped: string; loadAvg1m: number };

const GOALS = { feedToDomP95Ms: 100, firstPaintMs: 1_500 };
const ROOT = path.resolve(import.meta.dirname, "..");
const CHROMIUM = "/usr/bin/chromium";
const BUILD_LOCK = "/tmp/next-build.lock";
/** As playwright.config.ts launches it for the e2e tests. */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
];
const CONTEXT_OPTIONS = { viewport: { width: 1440, height: 900 }, colorScheme: "dark" as const };

const round1 = (v: number) => Math.round(v * 10) / 10;
const loadAvg1m = () => Math.round(loadavg()[0] * 100) / 100;

function summary(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return { p50Ms: NaN, p95Ms: NaN, maxMs: NaN };
  return { p50Ms: round1(percentile(sorted, 0.5)), p95Ms: round1(percentile(sorted, 0.95)), maxMs: round1(sorted[sorted.length - 1]!) };
}

export interface BuildLock {
  release(): Promise<void>;
}

/**
 * Takes the build lock, builds if the sources changed, and keeps the lock until release(): a child
 * `flock` whose command waits on its stdin (closing it ends the child and frees the lock).
 */
export async function lockedBuild(): Promise<BuildLock | { failed: string }> {
  // TK_BENCH_EXISTING_BUILD=1: the build as it is, and the caller holds the lock (an A/B comparison of two
  // builds swapped in under one `flock /tmp/next-build.lock`).
  if (process.env.TK_BENCH_EXISTING_BUILD === "1") {
    return existsSync(path.join(ROOT, ".next", "BUILD_ID")) ? { release: async () => {} } : { failed: "TK_BENCH_EXISTING_BUILD=1 but there is no production build (.next/BUILD_ID)" };
  }
  const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");
  const child: ChildProcess = spawn("flock", [BUILD_LOCK, "sh", "-c", `"${tsx}" scripts/build-if-needed.ts >&2 && echo ready && exec cat >/dev/null`], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  let log = "";
  child.stderr?.on("data", (d) => (log = (log + d.toString()).slice(-4_000)));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = await new Promise<boolean>((resolve) => {
    child.stdout?.on("data", (d) => d.toString().includes("ready") && resolve(true));
    void exited.then(() => resolve(false));
    child.once("error", (err) => {
      log += String(err);
      resolve(false);
    });
  });
  if (!ready || !existsSync(path.join(ROOT, ".next", "BUILD_ID"))) {
    child.kill("SIGTERM");
    return { failed: `no production build of the dashboard (scripts/build-if-needed.ts under ${BUILD_LOCK} failed): ${log.trim().split("\n").slice(-5).join(" | ")}` };
  }
  return {
    async release() {
      child.stdin?.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill("SIGTERM");
    },
  };
}

async function signedInState(browser: Browser, url: string): Promise<Awaited<ReturnType<BrowserContext["storageState"]>>> {
  const context = await browser.newContext(CONTEXT_OPTIONS);
  try {
    const page = await context.newPage();
    await page.goto(`${url}/login?next=%2F`);
    await page.getByLabel(/username/i).fill("admin");
    await page.getByLabel(/^password/i).fill(E2E_ADMIN_PASSWORD);
    await page.getByRole("button", { name: /sign in/i }).click();
    await page.waitForURL((u) => !u.pathname.startsWith("/login"), { timeout: 60_000 });
    return await context.storageState();
  } finally {
    await context.close();
  }
}

/** Until the market data is live: the chart would otherwise wait for the feed, not for the dashboard. */
async function waitForLastPrice(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/api/symbols`, { headers: { Authorization: `Bearer ${E2E_API_TOKEN}` } });
      if (res.ok && ((await res.json()) as Array<{ last: number | null }>).some((s) => typeof s.last === "number" && s.last > 0)) return;
    } catch {
      // a slow answer: ask again
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no last price on GET /api/symbols within ${Math.round(timeoutMs / 1000)} s`);
}

// The probes run in the page, so they are plain script text: a function would be serialised as tsx
// compiled it, with helpers (esbuild's __name) the page does not have.

/** Installed before any page script: records when the overview's key figures first hold real data. */
const FIRST_PAINT_PROBE = `(() => {
  const numeric = (el) => !!el && /\\d/.test(el.textContent || "");
  const ready = () => {
    const chart = document.querySelector('[data-testid="candle-chart"]');
    const canvas = chart && chart.querySelector("canvas");
    return (
      numeric(document.querySelector('[data-testid="header-equity"]')) &&
      !!document.querySelector('[data-testid="today-stats"] [data-testid="today-pnl"]') &&
      !!chart && Number(chart.getAttribute("data-bars") || 0) > 0 &&
      !!canvas && canvas.width > 0 &&
      numeric(document.querySelector('[data-testid="chart-last-price"]'))
    );
  };
  let done = false;
  const observer = new MutationObserver(() => {
    if (done || !ready()) return;
    done = true;
    observer.disconnect();
    const domMs = performance.now();
    requestAnimationFrame(() => { window.__tkFirstPaint = { paintMs: performance.now(), domMs }; });
  });
  observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
})();`;

/** Installed before any page script: every text the chart's last price shows, with the page's wall clock. */
const LAST_PRICE_PROBE = `(() => {
  window.__tkPrices = [];
  let last = null;
  const observer = new MutationObserver(() => {
    const el = document.querySelector('[data-testid="chart-last-price"]');
    const text = el ? el.textContent : null;
    if (text === null || text === last) return;
    last = text;
    const chart = document.querySelector('[data-testid="candle-chart"]');
    window.__tkPrices.push({ t: performance.timeOrigin + performance.now(), text, symbol: chart ? chart.getAttribute("data-symbol") : null });
  });
  observer.observe(document, { subtree: true, childList: true, characterData: true });
})();`;

async function firstPaintRun(page: Page, load: () => Promise<unknown>): Promise<FirstPaintRun> {
  await load();
  await page.waitForFunction(() => !!(window as unknown as { __tkFirstPaint?: unknown }).__tkFirstPaint, null, { timeout: 90_000, polling: 100 });
  return page.evaluate(() => {
    const mark = (window as unknown as { __tkFirstPaint: { paintMs: number; domMs: number } }).__tkFirstPaint;
    const requests = (performance.getEntriesByType("resource") as PerformanceResourceTiming[])
      .filter((e) => new URL(e.name).pathname.startsWith("/api/"))
      .map((e) => {
        const u = new URL(e.name);
        return { path: u.pathname + u.search, startMs: Math.round(e.startTime), endMs: Math.round(e.responseEnd) };
      })
      .filter((r) => r.startMs <= mark.paintMs);
    const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
    return {
      paintMs: Math.round(mark.paintMs),
      domMs: Math.round(mark.domMs),
      htmlFirstByteMs: Math.round(nav?.responseStart ?? NaN),
      htmlLastByteMs: Math.round(nav?.responseEnd ?? NaN),
      domContentLoadedMs: Math.round(nav?.domContentLoadedEventStart ?? NaN),
      requests,
    };
  });
}

async function measureFirstPaint(browser: Browser, url: string, state: Awaited<ReturnType<BrowserContext["storageState"]>>, runs: number) {
  const cold: FirstPaintRun[] = [];
  const warm: FirstPaintRun[] = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ ...CONTEXT_OPTIONS, storageState: { cookies: state.cookies, origins: [] } });
    try {
      await context.addInitScript({ content: FIRST_PAINT_PROBE });
      const page = await context.newPage();
      cold.push(await firstPaintRun(page, () => page.goto(`${url}/`, { waitUntil: "commit" })));
      warm.push(await firstPaintRun(page, () => page.reload({ waitUntil: "commit" })));
    } finally {
      await context.close();
    }
  }
  return { cold, warm };
}

interface ReceivedCandle {
  /** Wall clock, ms. */
  t: number;
  close: number;
  closed: boolean;
}

/** A Socket.IO event frame (`42["candle",{...}]`) of the default namespace, or null. */
function socketIoEvent(payload: string): [string, unknown] | null {
  if (!payload.startsWith("42[")) return null;
  try {
    const packet = JSON.parse(payload.slice(2)) as unknown;
    return Array.isArray(packet) && typeof packet[0] === "string" ? [packet[0], packet[1]] : null;
  } catch {
    return null;
  }
}

async function measureFeedToDom(browser: Browser, url: string, state: Awaited<ReturnType<BrowserContext["storageState"]>>, targetEvents: number, windowMs: number) {
  const context = await browser.newContext({ ...CONTEXT_OPTIONS, storageState: { cookies: state.cookies, origins: [] } });
  try {
    await context.addInitScript({ content: LAST_PRICE_PROBE });
    const page = await context.newPage();
    // The browser's network process timestamps each WebSocket frame as it arrives, apart from the page's
    // (busy) main thread: the arrival of the server's emit. Its clock is monotonic; the handshake gives
    // the wall time of one monotonic instant.
    const cdp = await context.newCDPSession(page);
    let wallMinusMonotonicS: number | null = null;
    const frames: Array<{ monotonicS: number; payload: string }> = [];
    let recording = false;
    cdp.on("Network.webSocketWillSendHandshakeRequest", (e) => (wallMinusMonotonicS ??= e.wallTime - e.timestamp));
    cdp.on("Network.webSocketFrameReceived", (e) => recording && frames.push({ monotonicS: e.timestamp, payload: e.response.payloadData }));
    await cdp.send("Network.enable");
    await page.goto(`${url}/`);
    const chart = page.getByTestId("candle-chart");
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="candle-chart"]')?.getAttribute("data-bars") ?? 0) > 0, null, { timeout: 90_000, polling: 250 });
    const symbol = (await chart.getAttribute("data-symbol")) ?? "";
    const timeframe = (await chart.getAttribute("data-timeframe")) ?? "1m";
    const upgradeDeadline = Date.now() + 60_000;
    while (wallMinusMonotonicS === null && Date.now() < upgradeDeadline) await new Promise((r) => setTimeout(r, 100));
    if (wallMinusMonotonicS === null) throw new Error("the dashboard's feed did not upgrade to a WebSocket within 60 s");
    const offsetS: number = wallMinusMonotonicS;

    const candleEvents = () => {
      const out: ReceivedCandle[] = [];
      for (const frame of frames) {
        const event = socketIoEvent(frame.payload);
        if (!event || event[0] !== "candle") continue;
        const ev = event[1] as { symbol?: string; timeframe?: string; candle?: { close?: unknown; closed?: unknown } } | null;
        if (ev?.symbol !== symbol || ev.timeframe !== timeframe || typeof ev.candle?.close !== "number") continue;
        out.push({ t: (frame.monotonicS + offsetS) * 1000, close: ev.candle.close, closed: ev.candle.closed === true });
      }
      return out;
    };
    recording = true;
    const deadline = Date.now() + windowMs;
    while (candleEvents().length < targetEvents && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    recording = false;
    const events = candleEvents();
    // Room for the last events to reach the screen.
    await new Promise((r) => setTimeout(r, 3_000));
    const shown = (await page.evaluate(() => (window as unknown as { __tkPrices: Array<{ t: number; text: string; symbol: string | null }> }).__tkPrices))
      .filter((r) => r.symbol === symbol)
      .map((r) => ({ t: r.t, ...parseShownPrice(r.text) }))
      .filter((r): r is { t: number; value: number; decimals: number } => r.value !== null);
    await cdp.detach().catch(() => {});
    return { symbol, timeframe, ...matchEventsToScreen(events, shown) };
  } finally {
    await context.close();
  }
}

/** "43,211.50" → 43211.5 with 2 decimals (the formatter's thousands separators and Unicode minus). */
function parseShownPrice(text: string): { value: number | null; decimals: number } {
  const clean = text.replace(/,/g, "").replace(/\u2212/g, "-").trim();
  const value = /^-?\d+(\.\d+)?$/.test(clean) ? Number(clean) : null;
  return { value, decimals: clean.includes(".") ? clean.length - clean.indexOf(".") - 1 : 0 };
}

/**
 * Each event's latency is the first screen change after it (less a millisecond of clock tolerance) that
 * shows its price rounded as the screen rounds. Searching stops at a change that shows a later event's
 * price (the event was coalesced away) or after 10 s (missing).
 */
function matchEventsToScreen(events: ReceivedCandle[], shown: Array<{ t: number; value: number; decimals: number }>) {
  const decimals = shown.length ? shown[shown.length - 1]!.decimals : 2;
  const scale = 10 ** decimals;
  const onScreen = (v: number) => Math.round(v * scale);
  const latencies: number[] = [];
  let closedSamples = 0;
  let coalesced = 0;
  let missing = 0;
  let samples = 0;
  let from = 0;
  for (let i = 0; i < events.length; i++) {
    const ev = events[i]!;
    const value = onScreen(ev.close);
    if (i > 0 && onScreen(events[i - 1]!.close) === value) continue;
    samples++;
    while (from < shown.length && shown[from]!.t < ev.t - 1) from++;
    let outcome: "shown" | "coalesced" | "missing" = "missing";
    for (let j = from; j < shown.length && shown[j]!.t <= ev.t + 10_000; j++) {
      const s = shown[j]!;
      if (onScreen(s.value) === value) {
        outcome = "shown";
        latencies.push(Math.max(0, s.t - ev.t));
        if (ev.closed) closedSamples++;
        break;
      }
      const later = events.slice(i + 1).some((e) => e.t <= s.t + 1 && onScreen(e.close) === onScreen(s.value));
      if (later) {
        outcome = "coalesced";
        break;
      }
    }
    if (outcome === "coalesced") coalesced++;
    if (outcome === "missing") missing++;
  }
  return { events: events.length, samples, closedSamples, coalesced, missing, ...summary(latencies) };
}

export async function dashboardFigures(opts: { quick: boolean }): Promise<DashboardResult> {
  if (!existsSync(CHROMIUM)) return { skipped: `no Chromium at ${CHROMIUM}`, loadAvg1m: loadAvg1m() };
  const lock = await lockedBuild();
  if ("failed" in lock) return { skipped: lock.failed, loadAvg1m: loadAvg1m() };
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  try {
    // Warmed up: the history warm-up's database writes would slow every request for a minute or two.
    server = await startServer({ waitForWarmup: true, startTimeoutMs: 240_000 });
    await waitForLastPrice(server.url, 90_000);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const state = await signedInState(browser, server.url);
    const paint = await measureFirstPaint(browser, server.url, state, opts.quick ? 3 : 7);
    const feed = await measureFeedToDom(browser, server.url, state, opts.quick ? 200 : 400, opts.quick ? 120_000 : 240_000);
    const cold = summary(paint.cold.map((r) => r.paintMs));
    const warm = summary(paint.warm.map((r) => r.paintMs));
    return {
      firstPaint: { definition: FIRST_PAINT_DEFINITION, ...paint, coldP50Ms: cold.p50Ms, coldMaxMs: cold.maxMs, warmP50Ms: warm.p50Ms, warmMaxMs: warm.maxMs },
      feedToDom: {
        definition: FEED_TO_DOM_DEFINITION,
        symbol: feed.symbol,
        timeframe: feed.timeframe,
        events: feed.events,
        samples: feed.samples,
        closedSamples: feed.closedSamples,
        coalesced: feed.coalesced,
        missing: feed.missing,
        p50Ms: feed.p50Ms,
        p95Ms: feed.p95Ms,
        maxMs: feed.maxMs,
      },
      goals: GOALS,
      loadAvg1m: loadAvg1m(),
    };
  } finally {
    await browser?.close().catch(() => {});
    if (server) {
      await server.stop();
      removeDataDir(server.dataDir);
    }
    await lock.release();
  }
}
