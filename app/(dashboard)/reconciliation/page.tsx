import type { Metadata } from "next";
import { ReconciliationPage } from "@/components/golive/reconciliation-page";

export const metadata: Metadata = { title: "Reconciliation · Tradekeel" };

export default function Page() {
  return <ReconciliationPage />;
}
