import type { Logger } from "../core/logger";
import type { RiskEvent, RiskEventKind, RiskEventSeverity, RiskEventSink } from "./types";

const RECENT_EVENTS = 100;

/**
 * The risk engine's events: each one gets an id, is kept among the last 100 (GET /api/risk's recent
 * events) and goes to the sink. A throwing sink is logged, never passed on to the caller.
 */
export class RiskEventLog {
  readonly #sink: RiskEventSink | undefined;
  readonly #newEventId: () => string;
  readonly #logger: Logger | undefined;
  #recent: RiskEvent[] = [];

  constructor(options: { sink?: RiskEventSink; newEventId: () => string; logger?: Logger }) {
    this.#sink = options.sink;
    this.#newEventId = options.newEventId;
    this.#logger = options.logger;
  }

  emit(kind: RiskEventKind, code: string, severity: RiskEventSeverity, message: string, data: Record<string, unknown>, timestamp: number): RiskEvent {
    const event: RiskEvent = { id: this.#newEventId(), timestamp, kind, code, severity, message, data };
    this.#recent.push(event);
    if (this.#recent.length > RECENT_EVENTS) this.#recent.shift();
    try {
      this.#sink?.publish(event);
    } catch (err) {
      this.#logger?.error({ err, code }, "risk event sink failed");
    }
    return event;
  }

  /** The last 100 events, oldest first (a copy). */
  recent(): RiskEvent[] {
    return [...this.#recent];
  }
}
