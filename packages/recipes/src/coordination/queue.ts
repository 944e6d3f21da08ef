// A distributed FIFO queue (ZooKeeper's queue recipe). put() adds a PERSISTENT_SEQUENTIAL
// node under `${path}/items` (protected: a lost reply never duplicates an item). Consumers
// take in turn through a mutex at `${path}/lock`, so only the consumer at the head of that
// line watches the items (no herd of consumers on every put) and items go out in order.
import { BadVersionError, ConnectionLossError, CreateMode, NoNodeError } from "@warden/client";
import type { Client, Data } from "@warden/client";
import { AcquireTimeoutError } from "../errors.js";
import { createProtected } from "../util/protected-create.js";
import { checkBasePath, ensurePath, joinPath, sortBySequence } from "../util/paths.js";
import { deadlineOf, raceDeadline, type Deadline } from "../util/wait.js";
import { Mutex } from "../locks/mutex.js";

export interface TakeOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export class DistributedQueue {
  readonly #client: Client;
  readonly #items: string;
  readonly #lock: string;

  constructor(client: Client, path: string) {
    this.#client = client;
    this.#items = joinPath(checkBasePath(path), "items");
    this.#lock = joinPath(path, "lock");
  }

  /** Adds an item at the tail; returns its node path. */
  async put(data: Data): Promise<string> {
    await ensurePath(this.#client, this.#items);
    return createProtected(this.#client, this.#items, "item-", data, CreateMode.PERSISTENT_SEQUENTIAL);
  }

  /** Items waiting now. */
  async size(): Promise<number> {
    return (await this.#names()).length;
  }

  /** The head item without taking it (undefined when empty). */
  async peek(): Promise<Uint8Array | undefined> {
    for (const name of await this.#names()) {
      try {
        return (await this.#client.getData(joinPath(this.#items, name))).data ?? new Uint8Array(0);
      } catch (e) {
        if (!(e instanceof NoNodeError)) throw e;
      }
    }
    return undefined;
  }

  /** Removes and returns the head item, waiting for one (AcquireTimeoutError at the timeout). */
  async take(options: TakeOptions = {}): Promise<Uint8Array> {
    const deadline = deadlineOf(options);
    const lock = new Mutex(this.#client, this.#lock);
    await lock.acquire(options);
    try {
      for (;;) {
        const item = await this.#takeHead();
        if (item !== undefined) return item;
        await this.#waitForItems(deadline);
      }
    } finally {
      await lock.release();
    }
  }

  /** take() that answers undefined at once when the queue is empty. */
  async poll(): Promise<Uint8Array | undefined> {
    try {
      return await this.take({ timeoutMs: 0 });
    } catch (e) {
      if (e instanceof AcquireTimeoutError) return undefined;
      throw e;
    }
  }

  async #names(): Promise<string[]> {
    try {
      return sortBySequence(await this.#client.getChildren(this.#items));
    } catch (e) {
      if (e instanceof NoNodeError) return [];
      throw e;
    }
  }

  /** Deletes the first item that is still there and returns its data. */
  async #takeHead(): Promise<Uint8Array | undefined> {
    for (const name of await this.#names()) {
      const path = joinPath(this.#items, name);
      try {
        const { data, stat } = await this.#client.getData(path);
        await this.#deleteTaken(path, stat.version);
        return data ?? new Uint8Array(0);
      } catch (e) {
        if (!(e instanceof NoNodeError) && !(e instanceof BadVersionError)) throw e;
      }
    }
    return undefined;
  }

  /** A delete whose reply was lost counts as done when the item is gone: we hold the consumers' lock. */
  async #deleteTaken(path: string, version: number): Promise<void> {
    try {
      await this.#client.delete(path, version);
    } catch (e) {
      if (!(e instanceof ConnectionLossError)) throw e;
      await this.#client.connected();
      if ((await this.#client.exists(path)) !== null) await this.#client.delete(path, version);
    }
  }

  async #waitForItems(deadline: Deadline): Promise<void> {
    let fire!: () => void;
    const changed = new Promise<void>((r) => (fire = r));
    await ensurePath(this.#client, this.#items);
    const names = await this.#client.getChildren(this.#items, { watch: () => fire() });
    if (names.length > 0) return;
    const outcome = await raceDeadline(changed, deadline);
    if (outcome === "aborted") deadline.signal!.throwIfAborted();
    if (outcome === "timeout") throw new AcquireTimeoutError(this.#items, deadline.timeoutMs ?? 0);
  }
}
