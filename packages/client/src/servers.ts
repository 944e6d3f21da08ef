// Which server to try next, and how long to wait first: the list shuffled once (as
// ZooKeeper's StaticHostProvider), tried in turn; after a failed attempt, a full-jitter
// backoff that doubles from min to max and resets when a session is established.
import type { ServerAddress } from "./connect-string.js";

export class ServerRotation {
  readonly #servers: ServerAddress[];
  #next = 0;
  #failures = 0;

  constructor(
    servers: readonly ServerAddress[],
    private readonly random: () => number,
    private readonly delayMsMin: number,
    private readonly delayMsMax: number,
  ) {
    this.#servers = [...servers];
    for (let i = this.#servers.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [this.#servers[i], this.#servers[j]] = [this.#servers[j]!, this.#servers[i]!];
    }
  }

  get count(): number {
    return this.#servers.length;
  }

  next(): ServerAddress {
    const server = this.#servers[this.#next]!;
    this.#next = (this.#next + 1) % this.#servers.length;
    return server;
  }

  /** The wait before the next attempt, after one more failure. */
  failed(): number {
    this.#failures = Math.min(this.#failures + 1, 30);
    const ceiling = Math.min(this.delayMsMax, this.delayMsMin * 2 ** (this.#failures - 1));
    return Math.floor(this.random() * ceiling);
  }

  succeeded(): void {
    this.#failures = 0;
  }
}
