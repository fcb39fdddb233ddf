import type { Metadata } from "next";
import { MultiChartPage } from "@/components/charts/multi-chart-page";

export const metadata: Metadata = { title: "Charts · Tradekeel" };

export default function Page() {
  return <MultiChartPage />;
}
