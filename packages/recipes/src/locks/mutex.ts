// A reentrant distributed mutex (Curator's InterProcessMutex). The Mutex object is the
// owner: acquire() on an object that holds the lock only counts up, and release() counts
// down, deleting the node at zero. Two tasks of one process that must exclude each other
// use two Mutex objects. While held: "suspended" on a lost connection (unsure: stop
// touching the guarded resource if that matters), "reconnected" once checked still ours,
// "lost" when the session is gone.
import type { Client } from "@warden/client";
import { AcquireTimeoutError, NotHeldError } from "../errors.js";
import { Emitter } from "../util/emitter.js";
import { Ownership, type OwnershipEvents } from "../util/ownership.js";
import { checkBasePath } from "../util/paths.js";
import { deadlineOf } from "../util/wait.js";
import { acquireInQueue, deleteQuietly, firstHold, type QueueRule } from "./lock-internals.js";

export interface AcquireOptions {
  /** Give up (AcquireTimeoutError) after this long; default: wait for ever. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export class Mutex extends Emitter<OwnershipEvents> {
  readonly #client: Client;
  readonly #path: string;
  readonly #prefix: string;
  readonly #rule: QueueRule;
  #holdCount = 0;
  #ownership: Ownership | undefined;
  #acquiring: Promise<void> | undefined;

  constructor(client: Client, path: string, options: { prefix?: string; rule?: QueueRule } = {}) {
    super();
    this.#client = client;
    this.#path = checkBasePath(path);
    this.#prefix = options.prefix ?? "lock-";
    this.#rule = options.rule ?? firstHold(1);
  }

  get path(): string {
    return this.#path;
  }
  /** True while this object holds the lock and has not learned that it was lost. */
  get isHeld(): boolean {
    return this.#holdCount > 0 && this.#ownership !== undefined && !this.#ownership.isLost;
  }
  /** The node that holds the lock (while held). */
  get nodePath(): string | undefined {
    return this.isHeld ? this.#ownership!.path : undefined;
  }
  /** Aborted when a held lock is lost; undefined while not held. */
  get lostSignal(): AbortSignal | undefined {
    return this.isHeld ? this.#ownership!.signal : undefined;
  }

  async acquire(options: AcquireOptions = {}): Promise<void> {
    if (this.isHeld) {
      this.#holdCount++;
      return;
    }
    if (this.#ownership?.isLost) {
      // Holds of a lost lock are forgotten; release() calls for them are not required.
      this.#holdCount = 0;
      this.#ownership = undefined;
    }
    this.#acquiring ??= this.#acquireNode(options).finally(() => (this.#acquiring = undefined));
    await this.#acquiring;
    this.#holdCount++;
  }

  /** acquire() that answers false instead of throwing on timeout. */
  async tryAcquire(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.acquire(signal ? { timeoutMs, signal } : { timeoutMs });
      return true;
    } catch (e) {
      if (e instanceof AcquireTimeoutError) return false;
      throw e;
    }
  }

  /** Counts one hold down; the last release deletes the node (a lost lock releases quietly). */
  async release(): Promise<void> {
    if (this.#holdCount === 0) throw new NotHeldError(this.#path);
    if (--this.#holdCount > 0) return;
    const ownership = this.#ownership!;
    this.#ownership = undefined;
    ownership.dispose();
    if (!ownership.isLost) await deleteQuietly(this.#client, ownership.path);
  }

  async #acquireNode(options: AcquireOptions): Promise<void> {
    const node = await acquireInQueue(this.#client, this.#path, this.#prefix, this.#rule, deadlineOf(options));
    const ownership = new Ownership(this.#client, node);
    ownership.on("suspended", () => this.emit("suspended"));
    ownership.on("reconnected", () => this.emit("reconnected"));
    ownership.on("lost", () => this.emit("lost"));
    this.#ownership = ownership;
  }
}
