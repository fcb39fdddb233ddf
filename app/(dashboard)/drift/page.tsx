import type { Metadata } from "next";
import { DriftPage } from "@/components/drift/drift-page";

export const metadata: Metadata = { title: "Drift · Tradekeel" };

export default function Page() {
  return <DriftPage />;
}
