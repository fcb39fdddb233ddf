"use client";

import { useEffect, useState } from "react";

/** The current time, refreshed every `intervalMs`: for "x seconds ago" labels. Null before mount. */
export function useNow(intervalMs = 1_000): number | null {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const handle = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(handle);
  }, [intervalMs]);
  return now;
}
