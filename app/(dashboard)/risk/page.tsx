import type { Metadata } from "next";
import { RiskPage } from "@/components/risk/risk-page";

export const metadata: Metadata = { title: "Risk · Tradekeel" };

export default function Page() {
  return <RiskPage />;
}
