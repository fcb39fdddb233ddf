/**
 * Synchronous, typed in-process event bus. The engine publishes after it has updated its state;
 * the realtime layer, persistence and alerts subscribe. A throwing subscriber is isolated so one
 * bad listener cannot break the trading loop.
 */
export type Listener<T> = (payload: T) => void;

export class EventBus<Events extends { [K in keyof Events]: unknown }> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();
  private readonly anyListeners = new Set<(name: keyof Events, payload: unknown) => void>();

  constructor(private readonly onListenerError: (event: string, err: unknown) => void = () => {}) {}

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  onAny(listener: (name: keyof Events, payload: unknown) => void): () => void {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners.get(event);
    if (set) {
      for (const listener of set) {
        try {
          (listener as Listener<Events[K]>)(payload);
        } catch (err) {
          this.onListenerError(String(event), err);
        }
      }
    }
    for (const listener of this.anyListeners) {
      try {
        listener(event, payload);
      } catch (err) {
        this.onListenerError(String(event), err);
      }
    }
  }

  /**
   * True when emitting `event` reaches a listener (its own or an onAny one). Hot paths ask first, so
   * a payload nobody would read (a copy, a snapshot) is not built: a backtest listens to few events.
   */
  hasListeners<K extends keyof Events>(event: K): boolean {
    if (this.anyListeners.size > 0) return true;
    const set = this.listeners.get(event);
    return set !== undefined && set.size > 0;
  }

  listenerCount<K extends keyof Events>(event: K): number {
    return this.listeners.get(event)?.size ?? 0;
  }
}
