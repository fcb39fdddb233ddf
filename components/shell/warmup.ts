import type { WarmupDto } from "../lib/types";
import { formatRatio } from "../lib/format";

/** What the header says while the engine warms up its market history (issue 22), or null once it is done. */
export interface WarmupView {
  /** Symbols whose history is complete, of all. */
  done: number;
  total: number;
  /** "Warming up 3/10 symbols" */
  label: string;
  /** The phase in sentences: overall progress, the symbols still loading, the strategies waiting. */
  tooltip: string;
}

/** Null when there is nothing to show: no report (older servers, tests), or every symbol's history complete. */
export function warmupView(warmup: WarmupDto | null | undefined): WarmupView | null {
  if (!warmup || warmup.done) return null;
  const total = warmup.symbols.length;
  const done = warmup.symbols.filter((s) => s.done).length;
  const pending = warmup.symbols.filter((s) => !s.done);
  const shown = pending.slice(0, 5).map((s) => `${s.symbol} ${formatRatio(s.progress, 0)}`);
  const more = pending.length > shown.length ? ` and ${pending.length - shown.length} more` : "";
  const parts = [
    `Loading market history: ${formatRatio(warmup.progress, 0)} overall.`,
    pending.length ? `Still loading: ${shown.join(", ")}${more}.` : null,
    warmup.strategiesWarming > 0
      ? `${warmup.strategiesWarming} ${warmup.strategiesWarming === 1 ? "strategy waits for its" : "strategies wait for their"} history before trading.`
      : null,
  ];
  return { done, total, label: `Warming up ${done}/${total} symbols`, tooltip: parts.filter(Boolean).join(" ") };
}
