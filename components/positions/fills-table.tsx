import { Table, type TableColumnsType } from "antd";
import { formatDateTime, formatMoney, formatPrice, formatQty } from "../lib/format";
import type { FillDto } from "../lib/types";
import { Num } from "../ui/num";

export function FillsTable({ fills, reference }: { fills: FillDto[]; reference?: number }) {
  const columns: TableColumnsType<FillDto> = [
    { title: "Time", key: "t", render: (_, f) => <Num>{formatDateTime(f.timestamp)}</Num> },
    { title: "Side", dataIndex: "side", key: "side" },
    { title: "Price", key: "p", align: "right", render: (_, f) => <Num>{formatPrice(f.price, reference ?? f.price)}</Num> },
    { title: "Qty", key: "q", align: "right", render: (_, f) => <Num>{formatQty(f.quantity)}</Num> },
    { title: "Fee", key: "fee", align: "right", render: (_, f) => <Num>{formatMoney(f.fee)}</Num> },
    { title: "Liquidity", key: "liq", render: (_, f) => f.liquidity ?? "—" },
  ];
  return (
    <Table<FillDto>
      size="small"
      rowKey={(f) => `${f.clientOrderId}-${f.venueTradeId ?? `${f.timestamp}-${f.price}-${f.quantity}`}`}
      columns={columns}
      dataSource={fills}
      pagination={false}
      locale={{ emptyText: "No fills" }}
    />
  );
}
