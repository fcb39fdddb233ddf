import type { Metadata } from "next";
import { BacktestPage } from "@/components/backtest/backtest-page";

export const metadata: Metadata = { title: "Backtest · Tradekeel" };

export default function Page() {
  return <BacktestPage />;
}
