// A persistent watch as an async iterable: events buffered up to a bound, ended by
// close() (or `break` in a for-await loop), by the session's loss, or by overflow.
import { EventType, KeeperState, SessionExpiredError } from "@warden/protocol";
import { WatchOverflowError } from "./errors.js";
import type { WatchedEvent } from "./watches.js";

export const EVENTS_BUFFERED_MAX_DEFAULT = 1000;

export class WatchStream implements AsyncIterable<WatchedEvent> {
  readonly #buffer: WatchedEvent[] = [];
  #waiter: ((r: IteratorResult<WatchedEvent>) => void) | undefined;
  #failWaiter: ((e: unknown) => void) | undefined;
  #ended = false;
  #error: unknown;

  constructor(
    readonly path: string,
    private readonly eventsBufferedMax: number,
    private readonly unregister: () => Promise<void>,
  ) {}

  /** The listener registered for this stream. */
  readonly listener = (event: WatchedEvent): void => {
    if (this.#ended) return;
    if (event.type === EventType.None) {
      if (event.state === KeeperState.Expired) this.#end(new SessionExpiredError("session lost; the watch is gone", this.path));
      else if (event.state === KeeperState.Closed) this.#end(undefined);
      return;
    }
    if (event.type === EventType.PersistentWatchRemoved) return this.#end(undefined);
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = this.#failWaiter = undefined;
      return w({ value: event, done: false });
    }
    if (this.#buffer.length >= this.eventsBufferedMax) {
      this.#end(new WatchOverflowError(this.eventsBufferedMax, this.path));
      void this.unregister().catch(() => undefined);
      return;
    }
    this.#buffer.push(event);
  };

  /** Ends the stream and removes the watch from the client and the server. */
  async close(): Promise<void> {
    if (this.#ended) return;
    this.#end(undefined);
    await this.unregister();
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchedEvent> {
    return {
      next: () => this.#next(),
      return: async () => {
        await this.close().catch(() => undefined);
        return { value: undefined, done: true };
      },
    };
  }

  #next(): Promise<IteratorResult<WatchedEvent>> {
    const event = this.#buffer.shift();
    if (event !== undefined) return Promise.resolve({ value: event, done: false });
    if (this.#ended) return this.#error === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      this.#waiter = resolve;
      this.#failWaiter = reject;
    });
  }

  #end(error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    const waiter = this.#waiter;
    const fail = this.#failWaiter;
    this.#waiter = this.#failWaiter = undefined;
    if (error === undefined) waiter?.({ value: undefined, done: true });
    else fail?.(error);
  }
}
