// A double barrier (ZooKeeper's recipe, Curator's DistributedDoubleBarrier): enter() blocks
// until `memberCount` participants have entered; leave() blocks until all have left.
// Entering: each participant creates an ephemeral node and watches the "ready" node, which
// the participant that completes the count creates. Leaving (no herd): the lowest node
// waits on the highest; every other participant deletes its node and waits on the lowest.
import { CreateMode, NodeExistsError, NoNodeError } from "@warden/client";
import type { Client } from "@warden/client";
import { AcquireTimeoutError, RecipeError } from "../errors.js";
import { createProtected } from "../util/protected-create.js";
import { baseName, checkBasePath, ensurePath, joinPath, sortBySequence } from "../util/paths.js";
import { deadlineOf, waitForChange, raceDeadline, type Deadline } from "../util/wait.js";
import { deleteQuietly } from "../locks/lock-internals.js";

const READY = "ready";

export class DoubleBarrier {
  readonly #client: Client;
  readonly #path: string;
  readonly #memberCount: number;
  #node: string | undefined;

  constructor(client: Client, path: string, memberCount: number) {
    if (!Number.isInteger(memberCount) || memberCount < 1)
      throw new RecipeError("WARDEN_ERR_BAD_ARGUMENT", `memberCount must be a positive integer, got ${memberCount}`);
    this.#client = client;
    this.#path = checkBasePath(path);
    this.#memberCount = memberCount;
  }

  /** Enters; resolves once memberCount participants are in (AcquireTimeoutError at the timeout). */
  async enter(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (this.#node !== undefined) throw new RecipeError("WARDEN_ERR_ALREADY_ENTERED", `already entered ${this.#path}`);
    const deadline = deadlineOf(options);
    await ensurePath(this.#client, this.#path);
    let fire!: () => void;
    const ready = new Promise<void>((r) => (fire = r));
    const readyStat = await this.#client.exists(joinPath(this.#path, READY), { watch: () => fire() });
    this.#node = await createProtected(this.#client, this.#path, "member-", undefined, CreateMode.EPHEMERAL_SEQUENTIAL);
    if (readyStat !== null) return;
    // Without catching up, two last arrivals on lagging servers could each count one short
    // and both wait for a ready node that nobody creates.
    await this.#client.sync(this.#path);
    if ((await this.#members()).length >= this.#memberCount) return this.#createReady();
    const outcome = await raceDeadline(ready, deadline);
    if (outcome !== "changed") {
      await this.#abandon();
      if (outcome === "aborted") options.signal!.throwIfAborted();
      throw new AcquireTimeoutError(this.#path, options.timeoutMs ?? 0);
    }
  }

  /** Leaves; resolves once every participant has left. */
  async leave(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const ours = this.#node;
    if (ours === undefined) throw new RecipeError("WARDEN_ERR_NOT_ENTERED", `not entered ${this.#path}`);
    const deadline = deadlineOf(options);
    for (;;) {
      const members = await this.#members();
      const index = members.indexOf(baseName(ours));
      if (members.length === 0 || (index >= 0 && members.length === 1)) break;
      if (index === 0) await this.#waitOn(members[members.length - 1]!, deadline);
      else {
        if (index > 0) await deleteQuietly(this.#client, ours);
        await this.#waitOn(members[0]!, deadline);
      }
    }
    await deleteQuietly(this.#client, ours);
    this.#node = undefined;
    // The last one out takes the ready node down so that the barrier can be used again.
    if ((await this.#members()).length === 0)
      await this.#client.delete(joinPath(this.#path, READY)).catch((e) => (e instanceof NoNodeError ? undefined : Promise.reject(e)));
  }

  async #waitOn(name: string, deadline: Deadline): Promise<void> {
    if ((await waitForChange(this.#client, joinPath(this.#path, name), deadline)) === "timeout")
      throw new AcquireTimeoutError(this.#path, deadline.timeoutMs ?? 0);
  }

  async #members(): Promise<string[]> {
    return sortBySequence((await this.#client.getChildren(this.#path)).filter((n) => n !== READY));
  }

  async #createReady(): Promise<void> {
    try {
      await this.#client.create(joinPath(this.#path, READY));
    } catch (e) {
      if (!(e instanceof NodeExistsError)) throw e;
    }
  }

  async #abandon(): Promise<void> {
    if (this.#node !== undefined) await deleteQuietly(this.#client, this.#node);
    this.#node = undefined;
  }
}
