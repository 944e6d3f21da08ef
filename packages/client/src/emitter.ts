// A small listener set (no node:events, so it runs in browsers). A throwing listener is
// reported asynchronously and never stops the others or the client.

export class Listeners<T> {
  readonly #listeners = new Set<(value: T) => void>();

  add(listener: (value: T) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(value: T): void {
    for (const listener of [...this.#listeners]) callSafely(listener, value);
  }

  clear(): void {
    this.#listeners.clear();
  }
}

/** Runs user code; an exception is rethrown on a later tick, where the host reports it. */
export function callSafely<T>(fn: (value: T) => void, value: T): void {
  try {
    fn(value);
  } catch (e) {
    queueMicrotask(() => {
      throw e;
    });
  }
}
