import type { Metadata } from "next";
import { StrategiesPage } from "@/components/strategies/strategies-page";

export const metadata: Metadata = { title: "Strategies · Tradekeel" };

export default function Page() {
  return <StrategiesPage />;
}
