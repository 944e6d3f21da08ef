// Which server to try next, and how long to wait first: the list shuffled once (as
// ZooKeeper's StaticHostProvider), tried in turn; after a failed attempt, a full-jitter
// backoff that doubles from min to max and resets when a session is established.
// update() is StaticHostProvider.updateServerList: when the list changes, a client moves
// with the probability that keeps the load even across the new list, and while it moves
// ("reconfig mode") it tries the new servers with probability pNew, the old ones with pOld.
import type { ServerAddress } from "./connect-string.js";

const same = (a: ServerAddress, b: ServerAddress) => a.port === b.port && a.host === b.host;

interface Moving {
  oldServers: ServerAddress[];
  newServers: ServerAddress[];
  pNew: number;
  oldIndex: number;
  newIndex: number;
}

export class ServerRotation {
  #servers: ServerAddress[];
  /** The server handed out last (StaticHostProvider's currentIndex); -1 before the first. */
  #currentIndex = -1;
  /** The server of the last session established (its lastIndex). */
  #lastIndex = -1;
  #failures = 0;
  #moving: Moving | undefined;

  constructor(
    servers: readonly ServerAddress[],
    private readonly random: () => number,
    private readonly delayMsMin: number,
    private readonly delayMsMax: number,
  ) {
    this.#servers = this.#shuffle(servers);
  }

  #shuffle(servers: readonly ServerAddress[]): ServerAddress[] {
    const out = [...servers];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  get count(): number {
    return this.#servers.length;
  }

  /** The servers, in the order they are tried. */
  get servers(): readonly ServerAddress[] {
    return this.#servers;
  }

  /** The server handed out last (the connected one, once a session is established). */
  get current(): ServerAddress | undefined {
    return this.#servers[this.#currentIndex];
  }

  /** While moving after update(): whether this client is still looking for its new server. */
  get moving(): boolean {
    return this.#moving !== undefined;
  }

  next(): ServerAddress {
    if (this.#moving) {
      const server = this.#nextMoving();
      if (server) {
        this.#currentIndex = this.#servers.findIndex((s) => same(s, server));
        return server;
      }
      // Every server of both sets was tried: back to the plain rotation.
      this.#moving = undefined;
    }
    this.#currentIndex = (this.#currentIndex + 1) % this.#servers.length;
    if (this.#lastIndex === -1) this.#lastIndex = 0;
    return this.#servers[this.#currentIndex]!;
  }

  /** StaticHostProvider.nextHostInReconfigMode. */
  #nextMoving(): ServerAddress | undefined {
    const m = this.#moving!;
    const takeNew = this.random() <= m.pNew;
    if (m.newIndex + 1 < m.newServers.length && (takeNew || m.oldIndex + 1 >= m.oldServers.length)) return m.newServers[++m.newIndex];
    if (m.oldIndex + 1 < m.oldServers.length) return m.oldServers[++m.oldIndex];
    return undefined;
  }

  /**
   * Replaces the list (StaticHostProvider.updateServerList). `connected`: the server of the
   * current connection, if any. True when this client should move: drop its connection and
   * take next(), which then draws from the new servers with probability pNew.
   */
  update(servers: readonly ServerAddress[], connected: ServerAddress | undefined): boolean {
    const shuffled = this.#shuffle(servers);
    if (shuffled.length === 0) throw new RangeError("a server list may not be empty");
    let mine = connected;
    if (this.#moving) mine = this.next();
    mine ??= this.#servers[this.#lastIndex >= 0 ? this.#lastIndex : 0]!;
    const mineInNew = shuffled.some((s) => same(s, mine!));
    const oldServers = shuffled.filter((s) => this.#servers.some((o) => same(o, s)));
    const newServers = shuffled.filter((s) => !this.#servers.some((o) => same(o, s)));
    const size = this.#servers.length;
    const total = oldServers.length + newServers.length;
    let pNew = 0;
    let move = true;
    if (total > size) {
      // More servers: stay with probability size/total, else move to one of the new ones.
      if (mineInNew && this.random() > 1 - size / total) move = false;
      else pNew = 1;
    } else if (mineInNew) {
      move = false;
    } else {
      const denominator = total * (size - oldServers.length);
      const pOld = denominator === 0 ? 1 : (oldServers.length * (size - total)) / denominator;
      pNew = 1 - pOld;
    }
    const current = this.current;
    this.#servers = shuffled;
    this.#currentIndex = move || current === undefined ? -1 : shuffled.findIndex((s) => same(s, current));
    this.#lastIndex = this.#currentIndex;
    this.#moving = move ? { oldServers, newServers, pNew, oldIndex: -1, newIndex: -1 } : undefined;
    return move;
  }

  /** The wait before the next attempt, after one more failure. */
  failed(): number {
    this.#failures = Math.min(this.#failures + 1, 30);
    const ceiling = Math.min(this.delayMsMax, this.delayMsMin * 2 ** (this.#failures - 1));
    return Math.floor(this.random() * ceiling);
  }

  /** A session was established on the server next() gave last (onConnected). */
  succeeded(): void {
    this.#failures = 0;
    this.#lastIndex = this.#currentIndex;
    this.#moving = undefined;
  }
}
