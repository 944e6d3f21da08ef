// A small typed event emitter (no node:events, so recipes run wherever the client runs).
// A throwing listener is reported on a later tick and never stops the others.

export class Emitter<Events extends Record<string, unknown[]>> {
  readonly #listeners = new Map<keyof Events, Set<(...args: unknown[]) => void>>();

  /** Subscribes; returns the unsubscribe. */
  on<K extends keyof Events>(event: K, listener: (...args: Events[K]) => void): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) this.#listeners.set(event, (set = new Set()));
    const l = listener as unknown as (...args: unknown[]) => void;
    set.add(l);
    return () => set.delete(l);
  }

  protected emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        listener(...(args as unknown[]));
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }

  protected removeAllListeners(): void {
    this.#listeners.clear();
  }
}
