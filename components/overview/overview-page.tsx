"use client";

import { useQueryClient } from "@tanstack/react-query";
import { Col, Row } from "antd";
import { useEffect, useState } from "react";
import { useLocalStorageState } from "../hooks/use-local-storage";
import { useSymbolNames } from "../hooks/use-market";
import { useCurrentMode } from "../hooks/use-status";
import { DEFAULT_INDICATORS, type IndicatorToggles } from "../charts/chart-types";
import { IndicatorPicker } from "../charts/chart-toolbar";
import { SymbolChart } from "../charts/symbol-chart";
import { parseChartPrefs, type ChartPrefs } from "../charts/chart-prefs";
import { PositionsTable } from "../positions/positions-table";
import { RecentSignals } from "../signals/recent-signals";
import { InsightsPanel } from "../insights/insights-panel";
import { Panel } from "../ui/panel";
import { TodayStats } from "./today-stats";
import { OVERVIEW_CHART, seedOverview, type OverviewInitialData } from "./overview-data";

const INITIAL: ChartPrefs = { symbol: null, timeframe: OVERVIEW_CHART.timeframe, indicators: DEFAULT_INDICATORS };

/**
 * The page re-renders only when what it passes down changes (the chart's prefs, the mode, the symbol
 * names): the feed updates the panels that show it, not the whole page.
 */
export function OverviewPage({ initialData = null }: { initialData?: OverviewInitialData | null }) {
  const queryClient = useQueryClient();
  // The server's symbols and first candles from the first HTML, before any child asks for them: the chart
  // draws without waiting for the symbols and then for that symbol's candles.
  useState(() => {
    if (initialData) seedOverview(queryClient, initialData);
    return null;
  });
  const [prefs, setPrefs, loaded] = useLocalStorageState<ChartPrefs>("tradekeel.overview.chart", INITIAL, parseChartPrefs);
  const symbols = useSymbolNames();
  const mode = useCurrentMode();

  // Default to the venue's first symbol, and leave a symbol the venue no longer trades.
  useEffect(() => {
    if (!loaded || !symbols.data || symbols.data.length === 0) return;
    if (!prefs.symbol || !symbols.data.includes(prefs.symbol)) {
      setPrefs((p) => ({ ...p, symbol: symbols.data[0]! }));
    }
  }, [loaded, symbols.data, prefs.symbol, setPrefs]);

  const setIndicators = (indicators: IndicatorToggles) => setPrefs((p) => ({ ...p, indicators }));

  // Positions and P&L first: they are what a trader checks at a glance, above the fold at 1280×800
  // and first on a phone; the chart follows.
  return (
    <Row gutter={[12, 12]}>
      <Col xs={24} xl={17}>
        <Row gutter={[12, 12]}>
          <Col span={24}>
            <Panel title="Open positions" testId="overview-positions">
              <PositionsTable mode={mode} compact />
            </Panel>
          </Col>
          <Col span={24}>
            <Panel bodyStyle={{ height: 500 }}>
              <SymbolChart
                symbol={prefs.symbol ?? undefined}
                timeframe={prefs.timeframe}
                onSymbolChange={(symbol) => setPrefs((p) => ({ ...p, symbol }))}
                onTimeframeChange={(timeframe) => setPrefs((p) => ({ ...p, timeframe }))}
                indicators={prefs.indicators}
                limit={OVERVIEW_CHART.limit}
                height={448}
                showTrades
                extra={<IndicatorPicker value={prefs.indicators} onChange={setIndicators} />}
              />
            </Panel>
          </Col>
        </Row>
      </Col>
      <Col xs={24} xl={7}>
        <Row gutter={[12, 12]}>
          <Col span={24}>
            <Panel title="P&L">
              <TodayStats />
            </Panel>
          </Col>
          <Col span={24}>
            <Panel title="Recent signals" bodyStyle={{ maxHeight: 300, overflowY: "auto" }}>
              <RecentSignals mode={mode} limit={12} />
            </Panel>
          </Col>
          <Col span={24}>
            <InsightsPanel symbol={prefs.symbol ?? undefined} />
          </Col>
        </Row>
      </Col>
    </Row>
  );
}
