import type { Metadata } from "next";
import { InsightsPage } from "@/components/insights/insights-page";

export const metadata: Metadata = { title: "Insights · Tradekeel" };

export default function Page() {
  return <InsightsPage />;
}
