import type { ConnectionState, StreamKind, StreamStatus } from "./types";

/** Connection bookkeeping of one (symbol, stream). Messages only touch two fields: cheap on the hot path. */
export class StreamTracker {
  private state: ConnectionState = "connecting";
  private stateSince: number;
  private lastMessageAt: number | undefined;
  private latencyMs: number | undefined;
  private failures = 0;
  private reconnects = 0;
  private lastError: string | undefined;
  private everLive = false;

  constructor(
    readonly symbol: string,
    readonly stream: StreamKind,
    now: number,
    private readonly onChange: (status: StreamStatus) => void,
  ) {
    this.stateSince = now;
  }

  get current(): ConnectionState {
    return this.state;
  }

  /** A message arrived at local time `now`; `latencyMs` when the message carries the venue's timestamp. */
  message(now: number, latencyMs?: number): void {
    this.lastMessageAt = now;
    if (latencyMs !== undefined) this.latencyMs = latencyMs;
    if (this.state !== "live") {
      if (this.everLive) this.reconnects++;
      this.everLive = true;
      this.failures = 0;
      this.transition("live", now);
    }
  }

  failed(now: number, error: string, downAfterFailures: number, fatal: boolean): void {
    this.failures++;
    this.lastError = error;
    const next: ConnectionState = fatal || this.failures >= downAfterFailures ? "down" : "reconnecting";
    if (next !== this.state) this.transition(next, now);
    else this.onChange(this.snapshot(now));
  }

  connecting(now: number): void {
    if (this.state !== "connecting" && !this.everLive) this.transition("connecting", now);
  }

  stopped(now: number): void {
    this.lastError = undefined;
    this.transition("down", now);
  }

  snapshot(now: number): StreamStatus {
    return {
      symbol: this.symbol,
      stream: this.stream,
      state: this.state,
      stateSince: this.stateSince,
      lastMessageAt: this.lastMessageAt,
      lastMessageAgeMs: this.lastMessageAt === undefined ? undefined : Math.max(0, now - this.lastMessageAt),
      latencyMs: this.latencyMs,
      failures: this.failures,
      reconnects: this.reconnects,
      lastError: this.lastError,
    };
  }

  private transition(state: ConnectionState, now: number): void {
    this.state = state;
    this.stateSince = now;
    this.onChange(this.snapshot(now));
  }
}
