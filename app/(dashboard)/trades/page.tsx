import type { Metadata } from "next";
import { TradesPage } from "@/components/trades/trades-page";

export const metadata: Metadata = { title: "Trades · Tradekeel" };

export default function Page() {
  return <TradesPage />;
}
