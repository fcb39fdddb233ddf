import type { Metadata } from "next";
import { GoLivePage } from "@/components/golive/go-live-page";

export const metadata: Metadata = { title: "Go live · Tradekeel" };

export default function Page() {
  return <GoLivePage />;
}
