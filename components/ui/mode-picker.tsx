"use client";

import { Segmented } from "antd";
import { MODES, type Mode } from "../lib/types";

/** Which mode's ledger a page shows; the current trading mode is marked. */
export function ModePicker({ value, current, onChange, testId = "mode-picker" }: { value: Mode | undefined; current: Mode | undefined; onChange: (mode: Mode) => void; testId?: string }) {
  return (
    <Segmented<Mode>
      size="small"
      value={value}
      onChange={onChange}
      options={MODES.map((m) => ({ value: m, label: m === current ? `${m} (current)` : m }))}
      data-testid={testId}
    />
  );
}
