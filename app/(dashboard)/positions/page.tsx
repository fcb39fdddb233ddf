import type { Metadata } from "next";
import { PositionsPage } from "@/components/positions/positions-page";

export const metadata: Metadata = { title: "Positions · Tradekeel" };

export default function Page() {
  return <PositionsPage />;
}
