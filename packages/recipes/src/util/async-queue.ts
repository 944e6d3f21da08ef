// A bounded queue read as an async iterator: push() from callbacks, for-await to read.
// Overflow ends the iteration with an error instead of growing without bound.
import { RecipeError } from "../errors.js";

export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  readonly #items: T[] = [];
  readonly #itemsMax: number;
  readonly #onReturn: () => void;
  #waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  #ended = false;
  #error: unknown;

  constructor(itemsMax: number, onReturn: () => void) {
    this.#itemsMax = itemsMax;
    this.#onReturn = onReturn;
  }

  push(item: T): void {
    if (this.#ended) return;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = undefined;
      return w.resolve({ value: item, done: false });
    }
    if (this.#items.length >= this.#itemsMax)
      return this.end(new RecipeError("WARDEN_ERR_QUEUE_OVERFLOW", `more than ${this.#itemsMax} unread items; read faster`));
    this.#items.push(item);
  }

  /** Ends the iteration (with an error to throw from next(), if given). */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    this.#onReturn();
    const w = this.#waiter;
    this.#waiter = undefined;
    if (w && error !== undefined) w.reject(error);
    else w?.resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#items.length > 0) return Promise.resolve({ value: this.#items.shift()!, done: false });
    if (this.#ended) return this.#error === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(this.#error);
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.#items.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
