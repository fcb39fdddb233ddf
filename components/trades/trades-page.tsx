"use client";

import { DownloadOutlined } from "@ant-design/icons";
import { Button, Flex, Table, Tooltip, Typography, type TableColumnsType, type TableProps } from "antd";
import { useState, type HTMLAttributes } from "react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { totalsRow, viewFromSearch, viewToSearch, type TradeView } from "./trade-url";
import { formatDateTime, formatDuration, formatMoney, formatPrice, formatQty } from "../lib/format";
import type { TradeDto } from "../lib/types";
import type { TradeFilters as Filters } from "../lib/query-keys";
import { tradeExportUrl, useTrades } from "../hooks/use-trading";
import { useCurrentMode } from "../hooks/use-status";
import { Num, Pnl } from "../ui/num";
import { Panel } from "../ui/panel";
import { QueryError } from "../ui/query-state";
import { SideTag } from "../positions/side-tag";
import { StrategyName } from "../positions/strategy-name";
import { ExitReasonTag } from "./exit-reason-tag";
import { TradeDrawer } from "./trade-drawer";
import { TradeFilters, type TradeFilterValues } from "./trade-filters";

type SortKey = NonNullable<Filters["sort"]>;

const SORTABLE: SortKey[] = ["closedAt", "pnl", "pnlPct", "symbol"];

export function TradesPage() {
  const currentMode = useCurrentMode();
  // The filters, sort and page live in the address: a reload or a shared link shows the same trades.
  const search = useSearchParams();
  const router = useRouter();
  const pathname = usePathname() ?? "/trades";
  const view = viewFromSearch(new URLSearchParams(search?.toString() ?? ""));
  const { filters, sort, paging } = view;
  const setView = (next: TradeView) => {
    const qs = viewToSearch(next);
    router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  };
  const setFilters = (f: TradeFilterValues) => setView({ ...view, filters: f, paging: { ...paging, page: 1 } });
  const [openId, setOpenId] = useState<string | null>(null);

  const effective = { ...filters, mode: filters.mode ?? currentMode };
  const query: Filters = { ...effective, ...sort, ...paging };
  const trades = useTrades(query, !!effective.mode);

  const sortOrder = (key: SortKey) => (sort.sort === key ? (sort.order === "asc" ? "ascend" : "descend") : null);

  const columns: TableColumnsType<TradeDto> = [
    { title: "Closed", dataIndex: "closedAt", key: "closedAt", sorter: true, sortOrder: sortOrder("closedAt"), render: (v: number) => <Num>{formatDateTime(v)}</Num> },
    { title: "Symbol", dataIndex: "symbol", key: "symbol", sorter: true, sortOrder: sortOrder("symbol"), render: (v: string) => <strong>{v}</strong> },
    { title: "Side", dataIndex: "side", key: "side", render: (v: string) => <SideTag side={v} /> },
    { title: "Qty", dataIndex: "quantity", key: "quantity", align: "right", render: (v: number) => <Num>{formatQty(v)}</Num> },
    { title: "Entry", key: "entry", align: "right", render: (_, t) => <Num>{formatPrice(t.entryPrice, t.entryPrice)}</Num> },
    { title: "Exit", key: "exit", align: "right", render: (_, t) => <Num>{formatPrice(t.exitPrice, t.entryPrice)}</Num> },
    { title: "P&L", dataIndex: "pnl", key: "pnl", align: "right", sorter: true, sortOrder: sortOrder("pnl"), render: (v: number) => <Pnl value={v} /> },
    { title: "%", dataIndex: "pnlPct", key: "pnlPct", align: "right", sorter: true, sortOrder: sortOrder("pnlPct"), render: (v: number) => <Pnl value={v} kind="pct" /> },
    { title: "Fees", dataIndex: "fees", key: "fees", align: "right", render: (v: number) => <Num>{formatMoney(v)}</Num> },
    { title: "Held", key: "held", align: "right", render: (_, t) => <Num>{formatDuration(t.closedAt - t.openedAt)}</Num> },
    {
      title: "Exit reason",
      key: "exitReason",
      render: (_, t) => (
        <Tooltip title={t.exitReasonText}>
          <span>
            <ExitReasonTag reason={t.exitReason} />
          </span>
        </Tooltip>
      ),
    },
    { title: "Strategy", key: "strategy", render: (_, t) => <StrategyName id={t.strategyInstanceId} /> },
    { title: "Mode", dataIndex: "mode", key: "mode" },
  ];

  const onTableChange: TableProps<TradeDto>["onChange"] = (pagination, _filters, sorter) => {
    const s = Array.isArray(sorter) ? sorter[0] : sorter;
    const key = s?.columnKey as SortKey | undefined;
    const nextSort = key && SORTABLE.includes(key) && s?.order ? { sort: key, order: (s.order === "ascend" ? "asc" : "desc") as "asc" | "desc" } : { sort: "closedAt" as SortKey, order: "desc" as const };
    setView({ ...view, sort: nextSort, paging: { page: pagination.current ?? 1, pageSize: pagination.pageSize ?? 50 } });
  };

  const exportFilters = { ...effective, ...sort };
  return (
    <Flex vertical gap={12}>
      <Flex align="center" gap={12} wrap>
        <Typography.Title level={5} style={{ margin: 0 }}>
          Trades
        </Typography.Title>
        <TradeFilters
          value={filters}
          currentMode={currentMode}
          onChange={setFilters}
        />
        <Flex gap={8} style={{ marginInlineStart: "auto" }}>
          <Button size="small" icon={<DownloadOutlined />} href={tradeExportUrl("csv", exportFilters)} data-testid="trades-export-csv">
            CSV
          </Button>
          <Button size="small" icon={<DownloadOutlined />} href={tradeExportUrl("json", exportFilters)} data-testid="trades-export-json">
            JSON
          </Button>
        </Flex>
      </Flex>
      <Panel>
        {trades.isError && !trades.data ? (
          <QueryError error={trades.error} what="Trades" />
        ) : (
          <div data-testid="trades-table">
            <Table<TradeDto>
              size="small"
              rowKey="id"
              columns={columns}
              dataSource={trades.data?.items}
              loading={trades.isFetching && !trades.data}
              onChange={onTableChange}
              scroll={{ x: "max-content" }}
              pagination={{
                current: paging.page,
                pageSize: paging.pageSize,
                total: trades.data?.total ?? 0,
                showSizeChanger: true,
                pageSizeOptions: [25, 50, 100, 200],
                size: "small",
                showTotal: (total) => `${total.toLocaleString("en-US")} trades`,
              }}
              locale={{ emptyText: "No closed trades match these filters" }}
              summary={(rows) => {
                if (rows.length === 0) return null;
                // From the rows antd renders in this same pass, so the totals never disagree with them.
                const t = totalsRow(rows, trades.data?.total ?? rows.length, trades.data?.totals);
                const scope = t.scope;
                return (
                  <Table.Summary fixed>
                    <Table.Summary.Row data-testid="trades-totals">
                      <Table.Summary.Cell index={0} colSpan={6}>
                        <strong data-testid="trades-totals-scope">{scope}</strong>
                        <Typography.Text type="secondary">
                          {" "}
                          · {t.wins} won, {t.losses} lost
                        </Typography.Text>
                      </Table.Summary.Cell>
                      <Table.Summary.Cell index={6} align="right">
                        <Pnl value={t.pnl} testId="trades-totals-pnl" />
                      </Table.Summary.Cell>
                      <Table.Summary.Cell index={7} />
                      <Table.Summary.Cell index={8} align="right">
                        <Num testId="trades-totals-fees">{formatMoney(t.fees)}</Num>
                      </Table.Summary.Cell>
                      <Table.Summary.Cell index={9} colSpan={4} />
                    </Table.Summary.Row>
                  </Table.Summary>
                );
              }}
              onRow={(t) =>
                ({
                  onClick: () => setOpenId(t.id),
                  style: { cursor: "pointer" },
                  "data-testid": `trade-row-${t.id}`,
                }) as HTMLAttributes<HTMLElement>
              }
            />
          </div>
        )}
      </Panel>
      <TradeDrawer tradeId={openId} onClose={() => setOpenId(null)} />
    </Flex>
  );
}
