import { describe, expect, it } from "vitest";
import { DEFAULT_VIEW, totalsRow, tradeTotals, viewFromSearch, viewToSearch } from "./trade-url";

describe("trade filters live in the address", () => {
  it("a shared link opens the same filtered, sorted page", () => {
    const view = viewFromSearch(new URLSearchParams("symbol=BTC%2FUSDT&result=loss&sort=pnl&order=asc&page=3"));
    expect(view.filters).toEqual({ symbol: "BTC/USDT", result: "loss" });
    expect(view.sort).toEqual({ sort: "pnl", order: "asc" });
    expect(view.paging.page).toBe(3);
  });
  it("writing and reading a view gives it back", () => {
    const view = { filters: { mode: "paper" as const, side: "short" as const, from: 1_700_000_000_000 }, sort: { sort: "symbol" as const, order: "desc" as const }, paging: { page: 2, pageSize: 100 } };
    expect(viewFromSearch(new URLSearchParams(viewToSearch(view)))).toEqual(view);
  });
  it("a plain /trades stays plain, and nonsense in the address is ignored", () => {
    expect(viewToSearch(DEFAULT_VIEW)).toBe("");
    expect(viewFromSearch(new URLSearchParams("mode=moon&side=up&page=-1&sort=evil"))).toEqual(DEFAULT_VIEW);
  });
});

describe("the totals row", () => {
  it("adds P&L and fees to the cent and counts wins and losses", () => {
    expect(tradeTotals([{ pnl: 0.1, fees: 0.01 }, { pnl: 0.2, fees: 0.02 }, { pnl: -0.05, fees: 0.01 }])).toEqual({ pnl: 0.25, fees: 0.04, wins: 2, losses: 1, count: 3 });
  });
  const shown = [
    { pnl: 1.25, fees: 0.1 },
    { pnl: -0.5, fees: 0.1 },
  ];
  it("with every matching trade on screen it adds up the rows shown, even when the server's totals already count a newer trade", () => {
    const serverAhead = { pnl: 3.75, fees: 0.3, wins: 2, losses: 1 };
    expect(totalsRow(shown, 2, serverAhead)).toEqual({ pnl: 0.75, fees: 0.2, wins: 1, losses: 1, count: 2, scope: "All 2 matching" });
    // The page's own count read before the newest trade was listed: still exactly the rows shown.
    expect(totalsRow(shown, 1, serverAhead)).toMatchObject({ pnl: 0.75, count: 2, scope: "All 2 matching" });
  });
  it("with more pages it shows the server's totals of every matching trade, counted from those same sums", () => {
    expect(totalsRow(shown, 120, { pnl: 40.5, fees: 12, wins: 70, losses: 51 })).toEqual({ pnl: 40.5, fees: 12, wins: 70, losses: 51, count: 121, scope: "All 121 matching" });
  });
  it("with more pages and no server totals it says it sums this page only", () => {
    expect(totalsRow(shown, 120)).toMatchObject({ pnl: 0.75, fees: 0.2, count: 2, scope: "This page (2 of 120)" });
  });
});
