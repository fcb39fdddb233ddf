import type { Metadata } from "next";
import { Suspense } from "react";
import { TradesPage } from "@/components/trades/trades-page";

export const metadata: Metadata = { title: "Trades · Tradekeel" };

export default function Page() {
  // The filters are read from the address (useSearchParams).
  return (
    <Suspense>
      <TradesPage />
    </Suspense>
  );
}
