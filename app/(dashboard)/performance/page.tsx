import type { Metadata } from "next";
import { PerformancePage } from "@/components/performance/performance-page";

export const metadata: Metadata = { title: "Performance · Tradekeel" };

export default function Page() {
  return <PerformancePage />;
}
