// Leader election, selector style (Curator's LeaderSelector): participants queue on a
// mutex; the holder runs takeLeadership(signal) and leads until it returns. The signal is
// aborted when leadership can no longer be trusted (the connection is suspended under the
// "standard" policy, or the session is lost) or on close(); takeLeadership must then stop
// acting as leader and return. With autoRequeue the participant queues again afterwards.
import type { Client } from "@warden/client";
import { RecipeError } from "../errors.js";
import { Emitter } from "../util/emitter.js";
import { sleep } from "../util/wait.js";
import { Mutex } from "../locks/mutex.js";

export interface LeaderSelectorOptions {
  takeLeadership: (signal: AbortSignal) => Promise<void>;
  /** Queue again after each term (default false). */
  autoRequeue?: boolean;
  connectionPolicy?: "standard" | "session";
}

type Events = { error: [unknown] };
/** Wait before the selector tries again after a failed attempt. */
const RETRY_DELAY_MS = 100;

export class LeaderSelector extends Emitter<Events> {
  readonly #client: Client;
  readonly #path: string;
  readonly #options: LeaderSelectorOptions;
  readonly #closed = new AbortController();
  #running: Promise<void> | undefined;
  #leading = false;

  constructor(client: Client, path: string, options: LeaderSelectorOptions) {
    super();
    this.#client = client;
    this.#path = path;
    this.#options = options;
  }

  get hasLeadership(): boolean {
    return this.#leading;
  }

  /** Queues for leadership (once, or for ever with autoRequeue); returns at once. */
  start(): void {
    if (this.#running) throw new RecipeError("WARDEN_ERR_ALREADY_STARTED", `leader selector ${this.#path} already started`);
    this.#running = this.#loop();
  }

  /** Queues again after a term ended (without autoRequeue). */
  requeue(): void {
    if (this.#closed.signal.aborted) return;
    const previous = this.#running ?? Promise.resolve();
    this.#running = previous.then(() => this.#loop());
  }

  /** Leaves the queue; a running takeLeadership sees its signal aborted. */
  async close(): Promise<void> {
    this.#closed.abort();
    await this.#running?.catch(() => undefined);
  }

  async #loop(): Promise<void> {
    do {
      try {
        await this.#term();
      } catch (e) {
        if (this.#closed.signal.aborted) return;
        this.emit("error", e);
        await sleep(RETRY_DELAY_MS, this.#closed.signal);
      }
    } while (this.#options.autoRequeue && !this.#closed.signal.aborted);
  }

  /** Waits for the mutex, leads while takeLeadership runs, then lets go. */
  async #term(): Promise<void> {
    const mutex = new Mutex(this.#client, this.#path);
    await mutex.acquire({ signal: this.#closed.signal });
    const term = new AbortController();
    const end = () => term.abort();
    const offs = [mutex.on("lost", end), ...(this.#options.connectionPolicy === "session" ? [] : [mutex.on("suspended", end)])];
    this.#closed.signal.addEventListener("abort", end, { once: true });
    this.#leading = true;
    try {
      await this.#options.takeLeadership(term.signal);
    } finally {
      this.#leading = false;
      for (const off of offs) off();
      this.#closed.signal.removeEventListener("abort", end);
      await mutex.release();
    }
  }
}
