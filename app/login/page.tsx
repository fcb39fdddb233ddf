import type { Metadata } from "next";
import { Suspense } from "react";
import { LoginCard } from "./login-card";

export const metadata: Metadata = { title: "Sign in · Tradekeel" };

/** /login: sign in, or on first run create the owner password. Public (see proxy.ts). */
export default function LoginPage() {
  return (
    <Suspense fallback={null}>
      <LoginCard />
    </Suspense>
  );
}
