// A standalone Warden server in this process for end-to-end tests, with clients that are
// closed with it, and bounded waits that fail with a message saying what was awaited.
import { waitUntil } from "@warden/testing";

export { startStandalone, FAST, type Standalone } from "@warden/testing";

/** Polls `check` until it returns a value other than undefined/false, or fails naming `what`. */
export const waitFor = <T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5000,
): Promise<T> => waitUntil(what, check, timeoutMs, 10);

/** Collects events from a callback so a test can await the n-th one. */
export class Inbox<T> {
  readonly items: T[] = [];
  private waiters: Array<() => void> = [];
  readonly push = (item: T): void => {
    this.items.push(item);
    for (const w of this.waiters.splice(0)) w();
  };
  /** Waits until `count` items have arrived; returns the count-th. */
  async next(what: string, count = 1, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (this.items.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (have ${this.items.length} of ${count})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.items[count - 1]!;
  }
}

export const text = (b: Uint8Array): string => new TextDecoder().decode(b);
