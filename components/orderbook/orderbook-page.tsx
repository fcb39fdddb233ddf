"use client";

import { Col, Flex, Row, Segmented, Typography } from "antd";
import { useEffect, useMemo } from "react";
import { useLocalStorageState } from "../hooks/use-local-storage";
import { useOrderbook, useSymbols } from "../hooks/use-market";
import { SymbolSelect } from "../charts/chart-toolbar";
import { buildDepth } from "../lib/depth";
import { formatDateTime, formatTime } from "../lib/format";
import { Panel } from "../ui/panel";
import { QueryState } from "../ui/query-state";
import { SimulatedTag } from "../ui/simulated-tag";
import { DepthChart } from "./depth-chart";
import { OrderbookLadder } from "./orderbook-ladder";
import { TradesTape } from "./trades-tape";

const DEPTHS = [10, 20, 50] as const;
type DepthChoice = (typeof DEPTHS)[number];

interface BookPrefs {
  symbol: string | null;
  depth: DepthChoice;
}

function parsePrefs(raw: unknown): BookPrefs | null {
  if (!raw || typeof raw !== "object") return null;
  const r = raw as Record<string, unknown>;
  return {
    symbol: typeof r.symbol === "string" && r.symbol ? r.symbol : null,
    depth: DEPTHS.find((d) => d === r.depth) ?? 20,
  };
}

export function OrderbookPage() {
  const [prefs, setPrefs, loaded] = useLocalStorageState<BookPrefs>("tradekeel.orderbook", { symbol: null, depth: 20 }, parsePrefs);
  const symbols = useSymbols();
  const book = useOrderbook(prefs.symbol ?? undefined, prefs.depth);

  useEffect(() => {
    if (!loaded || !symbols.data || symbols.data.length === 0) return;
    if (!prefs.symbol || !symbols.data.some((s) => s.symbol === prefs.symbol)) setPrefs((p) => ({ ...p, symbol: symbols.data[0]!.symbol }));
  }, [loaded, symbols.data, prefs.symbol, setPrefs]);

  const depth = useMemo(() => (book.data ? buildDepth(book.data.bids, book.data.asks, prefs.depth) : null), [book.data, prefs.depth]);
  const empty = !!depth && depth.bids.length === 0 && depth.asks.length === 0;

  return (
    <Flex vertical gap={12}>
      <Flex align="center" gap={12} wrap>
        <Typography.Title level={5} style={{ margin: 0 }}>
          Order book
        </Typography.Title>
        <SymbolSelect symbols={symbols.data} value={prefs.symbol ?? undefined} onChange={(symbol) => setPrefs((p) => ({ ...p, symbol }))} loading={symbols.isPending} testId="orderbook-symbol-select" />
        <Segmented<DepthChoice>
          size="small"
          value={prefs.depth}
          onChange={(d) => setPrefs((p) => ({ ...p, depth: d }))}
          options={DEPTHS.map((d) => ({ value: d, label: `${d} levels` }))}
        />
        <SimulatedTag simulated={book.data?.simulated} what="order book" />
        {book.data && (
          <Typography.Text type="secondary" className="num" title={formatDateTime(book.data.timestamp)} data-testid="orderbook-updated">
            as of {formatTime(book.data.timestamp)}
          </Typography.Text>
        )}
      </Flex>
      {depth && !empty && Math.max(depth.bids.length, depth.asks.length) < prefs.depth && (
        <Typography.Text type="secondary" data-testid="orderbook-levels-note">
          {prefs.depth} levels asked; the server keeps {Math.max(depth.bids.length, depth.asks.length)} per side, so that is what is shown.
        </Typography.Text>
      )}
      <Row gutter={[12, 12]}>
        <Col xs={24} lg={9}>
          <Panel title={prefs.symbol ?? "—"}>
            <QueryState query={book} what="Order book" isEmpty={empty} rows={12}>
              {depth && <OrderbookLadder depth={depth} rows={prefs.depth} />}
            </QueryState>
          </Panel>
        </Col>
        <Col xs={24} lg={15}>
          <Flex vertical gap={12}>
            <Panel title="Depth">
              <QueryState query={book} what="Order book" isEmpty={empty} rows={8}>
                {depth && <DepthChart depth={depth} height={420} />}
              </QueryState>
            </Panel>
            <Panel title="Trades" bodyStyle={{ maxHeight: 320, overflowY: "auto" }}>
              <TradesTape symbol={prefs.symbol ?? undefined} />
            </Panel>
          </Flex>
        </Col>
      </Row>
    </Flex>
  );
}
