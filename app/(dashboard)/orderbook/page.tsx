import type { Metadata } from "next";
import { OrderbookPage } from "@/components/orderbook/orderbook-page";

export const metadata: Metadata = { title: "Order book · Tradekeel" };

export default function Page() {
  return <OrderbookPage />;
}
