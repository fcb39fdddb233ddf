import type { Metadata } from "next";
import { app } from "@/server/http/route";
import { OverviewPage } from "@/components/overview/overview-page";
import { OVERVIEW_CHART, type OverviewInitialData } from "@/components/overview/overview-data";

export const metadata: Metadata = { title: "Overview · Tradekeel" };

/**
 * The symbols and the chart's first candles go into the first HTML (the layout adds the status): the
 * overview paints its chart as soon as the scripts run, instead of after two requests in a row (the
 * symbols, then the first symbol's candles). The same calls as GET /api/symbols and /api/candles; null
 * while the server is starting, and the browser then fetches them.
 */
async function initialData(): Promise<OverviewInitialData | null> {
  try {
    const market = app().market;
    // Awaited: on a web node every use case is a command to the engine and answers a promise.
    const symbols = await market.symbols();
    if (!Array.isArray(symbols)) return null;
    const first = symbols[0]?.symbol;
    const candles = first ? await market.candles({ symbol: first, timeframe: OVERVIEW_CHART.timeframe, limit: OVERVIEW_CHART.limit }) : null;
    return JSON.parse(JSON.stringify({ symbols, candles })) as OverviewInitialData;
  } catch {
    return null;
  }
}

export default async function Page() {
  return <OverviewPage initialData={await initialData()} />;
}
