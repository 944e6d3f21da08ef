// A counting semaphore with leases (Curator's InterProcessSemaphoreV2). A lease is an
// ephemeral node under `${path}/leases`. To take one, a contender first takes the mutex at
// `${path}/locks` (queued on its predecessor), creates its lease node, and waits (still
// holding the mutex) until at most `leasesMax` leases exist; then it lets the mutex go. So
// only one contender at a time watches the leases (no herd), and the others wait in line.
import { CreateMode } from "@warden/client";
import type { Client } from "@warden/client";
import { AcquireTimeoutError, RecipeError } from "../errors.js";
import { Emitter } from "../util/emitter.js";
import { Ownership, type OwnershipEvents } from "../util/ownership.js";
import { checkBasePath, ensurePath, joinPath } from "../util/paths.js";
import { createProtected } from "../util/protected-create.js";
import { deadlineOf, raceDeadline, type Deadline } from "../util/wait.js";
import { deleteQuietly } from "./lock-internals.js";
import { Mutex, type AcquireOptions } from "./mutex.js";

/** One lease of a semaphore; release() gives it back. Events as a held lock's. */
export class Lease extends Emitter<OwnershipEvents> {
  readonly #client: Client;
  readonly #ownership: Ownership;
  #released = false;

  constructor(client: Client, nodePath: string) {
    super();
    this.#client = client;
    this.#ownership = new Ownership(client, nodePath);
    for (const e of ["suspended", "reconnected", "lost"] as const) this.#ownership.on(e, () => this.emit(e));
  }
  get nodePath(): string {
    return this.#ownership.path;
  }
  get isHeld(): boolean {
    return !this.#released && !this.#ownership.isLost;
  }
  /** Aborted when the lease is lost with the session. */
  get lostSignal(): AbortSignal {
    return this.#ownership.signal;
  }
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    const lost = this.#ownership.isLost;
    this.#ownership.dispose();
    if (!lost) await deleteQuietly(this.#client, this.nodePath);
  }
}

export class Semaphore {
  readonly #client: Client;
  readonly #leasesPath: string;
  readonly #locksPath: string;
  readonly #leasesMax: number;

  constructor(client: Client, path: string, leasesMax: number) {
    if (!Number.isInteger(leasesMax) || leasesMax < 1)
      throw new RecipeError("WARDEN_ERR_BAD_ARGUMENT", `leasesMax must be a positive integer, got ${leasesMax}`);
    this.#client = client;
    this.#leasesPath = joinPath(checkBasePath(path), "leases");
    this.#locksPath = joinPath(path, "locks");
    this.#leasesMax = leasesMax;
  }

  /** Takes `count` leases (all or none). */
  async acquire(count = 1, options: AcquireOptions = {}): Promise<Lease[]> {
    if (!Number.isInteger(count) || count < 1 || count > this.#leasesMax)
      throw new RecipeError("WARDEN_ERR_BAD_ARGUMENT", `count must be in [1, ${this.#leasesMax}], got ${count}`);
    const deadline = deadlineOf(options);
    const leases: Lease[] = [];
    try {
      for (let i = 0; i < count; i++) leases.push(await this.#acquireOne(deadline, options));
      return leases;
    } catch (e) {
      await Promise.all(leases.map((l) => l.release()));
      throw e;
    }
  }

  /** The lease node names held now (by anyone). */
  async participantNodes(): Promise<string[]> {
    await ensurePath(this.#client, this.#leasesPath);
    return this.#client.getChildren(this.#leasesPath);
  }

  async #acquireOne(deadline: Deadline, options: AcquireOptions): Promise<Lease> {
    const gate = new Mutex(this.#client, this.#locksPath);
    const remainingMs = deadline.atMs === undefined ? undefined : Math.max(0, deadline.atMs - Date.now());
    await gate.acquire({
      ...(remainingMs === undefined ? {} : { timeoutMs: remainingMs }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    try {
      await ensurePath(this.#client, this.#leasesPath);
      const node = await createProtected(this.#client, this.#leasesPath, "lease-", undefined, CreateMode.EPHEMERAL);
      try {
        await this.#waitForRoom(node, deadline);
      } catch (e) {
        await deleteQuietly(this.#client, node);
        throw e;
      }
      return new Lease(this.#client, node);
    } finally {
      await gate.release();
    }
  }

  /** Waits (the only contender doing so) until the leases, ours counted, fit in leasesMax. */
  async #waitForRoom(node: string, deadline: Deadline): Promise<void> {
    for (;;) {
      let fire!: () => void;
      const changed = new Promise<void>((r) => (fire = r));
      const names = await this.#client.getChildren(this.#leasesPath, { watch: () => fire() });
      if (!names.some((n) => node.endsWith(`/${n}`)))
        throw new RecipeError("WARDEN_ERR_LEASE_VANISHED", `our lease node went (session lost): ${node}`);
      if (names.length <= this.#leasesMax) return;
      const outcome = await raceDeadline(changed, deadline);
      if (outcome === "aborted") deadline.signal!.throwIfAborted();
      if (outcome === "timeout") throw new AcquireTimeoutError(this.#leasesPath, deadline.timeoutMs ?? 0);
    }
  }
}
