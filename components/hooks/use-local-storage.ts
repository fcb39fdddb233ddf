"use client";

import { useCallback, useEffect, useRef, useState } from "react";

/**
 * State remembered in localStorage. The first render uses `initial` (as the server did), the stored
 * value is read after mount, so hydration never mismatches. Stored values that fail `parse` are ignored.
 */
export function useLocalStorageState<T>(key: string, initial: T, parse: (raw: unknown) => T | null) {
  const [value, setValue] = useState<T>(initial);
  const [loaded, setLoaded] = useState(false);
  const parseRef = useRef(parse);
  parseRef.current = parse;

  useEffect(() => {
    try {
      const raw = window.localStorage.getItem(key);
      if (raw !== null) {
        const parsed = parseRef.current(JSON.parse(raw));
        if (parsed !== null) setValue(parsed);
      }
    } catch {
      // Unreadable storage (private mode, corrupt JSON): keep the default.
    }
    setLoaded(true);
  }, [key]);

  const update = useCallback(
    (next: T | ((prev: T) => T)) => {
      setValue((prev) => {
        const resolved = typeof next === "function" ? (next as (p: T) => T)(prev) : next;
        try {
          window.localStorage.setItem(key, JSON.stringify(resolved));
        } catch {
          // Storage full or disabled: the choice still applies for this visit.
        }
        return resolved;
      });
    },
    [key],
  );

  return [value, update, loaded] as const;
}
