import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { warmupSchema, type WarmupDto } from "../../server/contract";
import { WarmupBadge } from "./status-badges";
import { warmupView } from "./warmup";

/** The header's warm-up badge (issue 22): shown while the market history loads, gone when it is complete. */
const warming: WarmupDto = warmupSchema.parse({
  done: false,
  progress: 0.42,
  symbols: [
    { symbol: "BTC/USDT", done: true, progress: 1 },
    { symbol: "ETH/USDT", done: true, progress: 1 },
    { symbol: "SOL/USDT", done: true, progress: 1 },
    { symbol: "BNB/USDT", done: false, progress: 0.5 },
    { symbol: "XRP/USDT", done: false, progress: 0.25 },
    { symbol: "ADA/USDT", done: false, progress: 0 },
    { symbol: "DOGE/USDT", done: false, progress: 0 },
    { symbol: "AVAX/USDT", done: false, progress: 0 },
    { symbol: "DOT/USDT", done: false, progress: 0 },
    { symbol: "LINK/USDT", done: false, progress: 0.1 },
  ],
  strategiesWarming: 2,
});

describe("the header says the bot is warming up until every symbol's history is loaded", () => {
  it("while warming: how many symbols are ready, and the phase in the tooltip", () => {
    const view = warmupView(warming)!;
    expect(view).toMatchObject({ done: 3, total: 10, label: "Warming up 3/10 symbols" });
    expect(view.tooltip).toBe(
      "Loading market history: 42% overall. Still loading: BNB/USDT 50%, XRP/USDT 25%, ADA/USDT 0%, DOGE/USDT 0%, AVAX/USDT 0% and 2 more. 2 strategies wait for their history before trading.",
    );
  });

  it("the badge renders the count, its words hide on narrow screens, and it is announced with the phase", () => {
    const html = renderToStaticMarkup(createElement(WarmupBadge, { warmup: warming }));
    expect(html).toContain('data-testid="warmup-badge"');
    expect(html).toContain('role="status"');
    expect(html).toContain('aria-label="Warming up 3/10 symbols. Loading market history: 42% overall.');
    expect(html.replace(/<[^>]+>/g, "")).toBe("Warming up 3/10 symbols");
    expect(html).toMatch(/<span class="hide-phone">Warming up <\/span>3\/10<span class="hide-narrow"> symbols<\/span>/);
  });

  it("one strategy waiting reads in the singular; none waiting says nothing about strategies", () => {
    expect(warmupView({ ...warming, strategiesWarming: 1 })!.tooltip).toContain("1 strategy waits for its history");
    expect(warmupView({ ...warming, strategiesWarming: 0 })!.tooltip).not.toContain("strateg");
  });

  it("gone once the history is complete, and absent when the server reports no warm-up", () => {
    expect(warmupView({ ...warming, done: true })).toBeNull();
    expect(warmupView(null)).toBeNull();
    expect(warmupView(undefined)).toBeNull();
    expect(renderToStaticMarkup(createElement(WarmupBadge, { warmup: { ...warming, done: true } }))).toBe("");
  });
});
