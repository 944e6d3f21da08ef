// A barrier (ZooKeeper's barrier recipe, Curator's DistributedBarrier): while the node
// exists, wait() blocks; remove() lets everyone through.
import { NoNodeError, NodeExistsError } from "@warden/client";
import type { Client } from "@warden/client";
import { checkBasePath, ensurePath, parentOf } from "../util/paths.js";
import { deadlineOf, waitForChange } from "../util/wait.js";

export class Barrier {
  readonly #client: Client;
  readonly #path: string;

  constructor(client: Client, path: string) {
    this.#client = client;
    this.#path = checkBasePath(path);
  }

  /** Raises the barrier (no-op when it is up). */
  async set(): Promise<void> {
    await ensurePath(this.#client, parentOf(this.#path));
    try {
      await this.#client.create(this.#path);
    } catch (e) {
      if (!(e instanceof NodeExistsError)) throw e;
    }
  }

  /** Lowers the barrier (no-op when it is down). */
  async remove(): Promise<void> {
    try {
      await this.#client.delete(this.#path);
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
    }
  }

  /** Resolves true once the barrier is down, false at the timeout. */
  async wait(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<boolean> {
    const deadline = deadlineOf(options);
    // Reads may lag on our server: catch up first, so a barrier set before wait() is seen.
    await this.#client.sync(this.#path);
    for (;;) {
      if ((await this.#client.exists(this.#path)) === null) return true;
      if ((await waitForChange(this.#client, this.#path, deadline)) === "timeout") return false;
    }
  }
}
