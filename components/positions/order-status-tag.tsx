import { Tag } from "antd";
import type { OrderStatus } from "../lib/types";

const COLOR: Record<OrderStatus, string> = {
  new: "default",
  submitted: "processing",
  partially_filled: "cyan",
  filled: "success",
  cancelled: "default",
  rejected: "error",
  expired: "warning",
};

export function OrderStatusTag({ status }: { status: OrderStatus | string }) {
  return (
    <Tag color={COLOR[status as OrderStatus] ?? "default"} style={{ marginInlineEnd: 0 }} data-testid="order-status">
      {status.replace("_", " ")}
    </Tag>
  );
}
